"""Lifecycle of a registration: financed, settled, cancelled by its lender; expired by the hub."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain.financing import (
    FinancingAction,
    FinancingError,
    FinancingState,
    IllegalTransition,
    ReasonCode,
    transition,
)
from app.security.principal import Principal
from app.services.common.events import record_event
from app.services.financing import matching
from app.services.financing.federation import outputs
from app.services.financing.registrations import (
    financing_problem,
    get_registration,
    registration_body,
)
from app.storage.models import FinancingProbe, FinancingRegistration


def _apply(
    session: Session,
    registration: FinancingRegistration,
    action: FinancingAction,
    reason: ReasonCode | None,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Move the registration, close its fingerprints once it no longer counts, record it."""
    state = FinancingState(registration.state)
    target = transition(state, action, reason)
    registration.state = target.value
    registration.reason = reason.value if reason is not None else None
    registration.updated_at = now
    if not target.active:
        matching.close(session, registration.id)
        outputs.close(session, registration.id)
    record_event(
        session,
        kind=f"financing.{target.value.lower()}",
        actor=actor,
        subject=f"financing:{registration.id}",
        payload={**registration_body(registration), "from": state.value},
        participant_ids=[registration.lender_id, registration.owner_id],
    )


def act(
    session: Session,
    principal: Principal,
    registration_id: uuid.UUID,
    action: FinancingAction,
    reason: ReasonCode | None,
    *,
    now: datetime,
) -> FinancingRegistration:
    """The lender finances, settles or cancels one of its registrations (409 if illegal)."""
    registration = get_registration(session, principal, registration_id, for_update=True)
    try:
        if FinancingState(registration.state).active and registration.expires_at <= now:
            raise IllegalTransition("the registration expired at maturity plus grace")
        _apply(session, registration, action, reason, actor=principal.actor, now=now)
    except FinancingError as exc:
        raise financing_problem(exc) from exc
    return registration


def expire_due(session: Session, now: datetime, *, limit: int = 500) -> int:
    """Expire open registrations past maturity plus grace, oldest first; returns how many."""
    reg = FinancingRegistration
    due = session.scalars(
        sa.select(reg)
        .where(reg.state.in_([s.value for s in FinancingState if s.active]), reg.expires_at <= now)
        .order_by(reg.expires_at, reg.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for registration in due:
        _apply(
            session,
            registration,
            FinancingAction.EXPIRE,
            ReasonCode.MATURED,
            actor="system",
            now=now,
        )
    return len(due)


def purge_probes(session: Session, now: datetime) -> int:
    """Forget the probe counts of past days: the limit is per day."""
    result = session.execute(sa.delete(FinancingProbe).where(FinancingProbe.day < now.date()))
    return int(getattr(result, "rowcount", 0) or 0)
