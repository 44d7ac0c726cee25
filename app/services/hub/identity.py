"""The hub's identity (issuer, log origin, log key, name, jurisdiction): stored once, read by all.

Tokens carry the issuer, checkpoints carry the log origin and the log key's signature, and
verifiers pin that key under that name. So the first process to open a hub stores them with
its data, every later process takes them from there, and a configuration that says otherwise
is refused instead of quietly signing under another name.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.errors import SetupError
from app.security.keys import KeyStore
from app.services.ledger.log import log_verifier
from app.settings import Settings
from app.storage.db import is_postgresql
from app.storage.models import HubIdentity
from app.storage.models.identity import HUB_ROW_ID


class IdentityMismatch(SetupError):
    """The configuration names the hub, or signs its log, otherwise than it was created."""


def establish_identity(session: Session, settings: Settings, keys: KeyStore) -> Settings:
    """``settings`` under the hub's stored identity; the first process to open a hub stores it.

    An issuer or log origin configured explicitly must be the stored one, and the key file
    must hold the log key the hub's checkpoints are signed with; an issuer or origin left at
    its default takes the stored value. The caller commits.
    """
    insert = postgresql.insert if is_postgresql(session) else sqlite.insert
    session.execute(
        insert(HubIdentity)
        .values(
            id=HUB_ROW_ID,
            issuer=settings.issuer,
            ledger_origin=settings.effective_ledger_origin,
            log_key=log_verifier(settings, keys).vkey,
            name=settings.effective_hub_name,
            jurisdiction=settings.jurisdiction,
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )
    stored = session.execute(sa.select(HubIdentity)).scalar_one()
    _refuse_contradictions(stored, settings)
    _complete(session, stored, settings)
    named_alike = (
        settings.issuer,
        settings.effective_ledger_origin,
        settings.effective_hub_name,
        settings.jurisdiction,
    ) == (stored.issuer, stored.ledger_origin, stored.name, stored.jurisdiction)
    resolved = (
        settings
        if named_alike
        else settings.model_copy(
            update={
                "issuer": stored.issuer,
                "ledger_origin": stored.ledger_origin,
                "hub_name": stored.name,
                "jurisdiction": stored.jurisdiction,
            }
        )
    )
    if log_verifier(resolved, keys).vkey != stored.log_key:
        raise IdentityMismatch(
            f"the key file {settings.effective_keys_file} holds another log key than the one "
            f"this hub's checkpoints are signed with ({stored.log_key}): point "
            "TRADEGATE_KEYS_FILE at the hub's own key file"
        )
    return resolved


def _complete(session: Session, stored: HubIdentity, settings: Settings) -> None:
    """A hub created before federation takes its name and jurisdiction from this process."""
    if stored.name is None:
        # The default name comes from the issuer, which is the stored one.
        stored.name = settings.model_copy(update={"issuer": stored.issuer}).effective_hub_name
    if stored.jurisdiction is None and settings.jurisdiction is not None:
        stored.jurisdiction = settings.jurisdiction
    session.flush()


def _refuse_contradictions(stored: HubIdentity, settings: Settings) -> None:
    explicit = settings.model_fields_set
    if "hub_name" in explicit and stored.name is not None and settings.hub_name != stored.name:
        raise IdentityMismatch(
            f"TRADEGATE_HUB_NAME is {settings.hub_name} but this hub was created as "
            f"{stored.name}, the name its peers know it by: unset TRADEGATE_HUB_NAME or set "
            f"it to {stored.name}"
        )
    if (
        settings.jurisdiction is not None
        and stored.jurisdiction is not None
        and settings.jurisdiction != stored.jurisdiction
    ):
        raise IdentityMismatch(
            f"TRADEGATE_JURISDICTION is {settings.jurisdiction} but this hub runs under "
            f"{stored.jurisdiction}, as its signed metadata tells its peers: unset "
            f"TRADEGATE_JURISDICTION or set it to {stored.jurisdiction}"
        )
    if "issuer" in explicit and settings.issuer != stored.issuer:
        raise IdentityMismatch(
            f"TRADEGATE_ISSUER is {settings.issuer} but this hub was created as "
            f"{stored.issuer}, the issuer its tokens and artefacts carry: unset "
            f"TRADEGATE_ISSUER or set it to {stored.issuer}"
        )
    if "ledger_origin" in explicit and settings.ledger_origin != stored.ledger_origin:
        raise IdentityMismatch(
            f"TRADEGATE_LEDGER_ORIGIN is {settings.ledger_origin} but this hub's log is "
            f"{stored.ledger_origin}, the name its checkpoints carry: unset "
            f"TRADEGATE_LEDGER_ORIGIN or set it to {stored.ledger_origin}"
        )
