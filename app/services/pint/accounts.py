"""Accounts on this platform that may receive eBLs, each a participant under one party code."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import errors
from app.services.common.events import record_event
from app.storage.models import Participant, PintAccount


def find_account(session: Session, codes: Any) -> PintAccount | None:
    """The one account that the identifying codes name; none, or several distinct, is ``None``."""
    pairs = [
        (c["codeListProvider"], c["partyCode"])
        for c in codes or ()
        if isinstance(c, dict)
        and isinstance(c.get("codeListProvider"), str)
        and isinstance(c.get("partyCode"), str)
    ]
    if not pairs:
        return None
    found = list(
        session.scalars(
            sa.select(PintAccount).where(
                sa.tuple_(PintAccount.code_list_provider, PintAccount.party_code).in_(pairs)
            )
        )
    )
    # Conflicting codes that name two different accounts are refused, not guessed between.
    return found[0] if len({a.participant_id for a in found}) == 1 else None


def add_account(
    session: Session,
    *,
    participant_id: uuid.UUID,
    code_list_provider: str,
    party_code: str,
    party_name: str,
    actor: str,
) -> PintAccount:
    """Let ``participant_id`` receive eBLs sent to this platform under the given party code."""
    if session.get(Participant, participant_id) is None:
        raise errors.NotFound(f"no participant {participant_id}", slug="participant-not-found")
    taken = session.scalars(
        sa.select(PintAccount).where(
            PintAccount.code_list_provider == code_list_provider,
            PintAccount.party_code == party_code,
        )
    ).first()
    if taken is not None:
        raise errors.Conflict("this party code already has an account", slug="pint-account-exists")
    account = PintAccount(
        participant_id=participant_id,
        code_list_provider=code_list_provider,
        party_code=party_code,
        party_name=party_name,
    )
    session.add(account)
    session.flush()
    record_event(
        session,
        kind="pint.account_added",
        actor=actor,
        subject=f"pint-account:{account.id}",
        payload={
            "participant_id": str(participant_id),
            "code_list_provider": code_list_provider,
            "party_code": party_code,
        },
        participant_ids=[participant_id],
    )
    return account


def list_accounts(session: Session) -> list[PintAccount]:
    """Every receiving account, by code."""
    return list(
        session.scalars(
            sa.select(PintAccount).order_by(PintAccount.code_list_provider, PintAccount.party_code)
        )
    )


def remove_account(session: Session, account_id: uuid.UUID, *, actor: str) -> None:
    """Stop receiving for an account; transfers already accepted stay."""
    account = session.get(PintAccount, account_id)
    if account is None:
        raise errors.NotFound("no such PINT account", slug="pint-account-not-found")
    session.delete(account)
    record_event(
        session,
        kind="pint.account_removed",
        actor=actor,
        subject=f"pint-account:{account_id}",
        payload={"party_code": account.party_code},
        participant_ids=[account.participant_id],
    )
