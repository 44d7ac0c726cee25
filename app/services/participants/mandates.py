"""Provider mandates: which providers may name which owners when pushing documents."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import errors
from app.services.common.events import record_event
from app.storage.models import Participant, ParticipantRole, ProviderMandate, Role


def _require_role(session: Session, participant_id: uuid.UUID, role: Role) -> None:
    if session.get(Participant, participant_id) is None:
        raise errors.NotFound(f"no participant {participant_id}", slug="participant-not-found")
    if session.get(ParticipantRole, (participant_id, role.value)) is None:
        raise errors.Unprocessable(
            f"participant {participant_id} does not hold the {role.value} role",
            slug="role-missing",
        )


def _record(
    session: Session, kind: str, provider_id: uuid.UUID, owner_id: uuid.UUID, actor: str
) -> None:
    """Audit a mandate change; both parties see it in their event trail."""
    record_event(
        session,
        kind=kind,
        actor=actor,
        subject=f"mandate:{provider_id}:{owner_id}",
        payload={"provider_id": str(provider_id), "owner_id": str(owner_id)},
        participant_ids=[provider_id, owner_id],
    )


def grant_mandate(
    session: Session, *, provider_id: uuid.UUID, owner_id: uuid.UUID, actor: str
) -> ProviderMandate:
    """Register ``provider_id`` to act for ``owner_id`` (idempotent); the grant is an event."""
    _require_role(session, provider_id, Role.PROVIDER)
    _require_role(session, owner_id, Role.OWNER)
    mandate = session.get(ProviderMandate, (provider_id, owner_id))
    if mandate is not None:
        return mandate
    mandate = ProviderMandate(provider_id=provider_id, owner_id=owner_id)
    session.add(mandate)
    session.flush()
    _record(session, "mandate.granted", provider_id, owner_id, actor)
    return mandate


def revoke_mandate(
    session: Session, *, provider_id: uuid.UUID, owner_id: uuid.UUID, actor: str
) -> None:
    """Withdraw a mandate; documents already pushed under it stay where they are."""
    mandate = session.get(ProviderMandate, (provider_id, owner_id))
    if mandate is None:
        raise errors.NotFound("no such mandate", slug="mandate-not-found")
    session.delete(mandate)
    _record(session, "mandate.revoked", provider_id, owner_id, actor)


def list_mandates(session: Session, provider_id: uuid.UUID) -> list[ProviderMandate]:
    """The owners a provider may name, oldest first."""
    return list(
        session.scalars(
            sa.select(ProviderMandate)
            .where(ProviderMandate.provider_id == provider_id)
            .order_by(ProviderMandate.created_at)
        )
    )
