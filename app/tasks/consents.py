"""Periodic consent housekeeping: expire consents at valid-until, drop elapsed counters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.services.consent_transitions import expire_due_consents
from app.storage.base import utcnow
from app.storage.counters import purge_elapsed
from app.tasks.registry import periodic

if TYPE_CHECKING:
    from app.container import Container


@periodic("consents.expire", seconds=60)
def expire_consents(container: Container) -> None:
    """Access is already refused past valid-until; this records EXPIRED and notifies."""
    with container.uow() as uow:
        expire_due_consents(
            uow.session, keys=container.keys, issuer=container.settings.issuer, now=utcnow()
        )
        purge_elapsed(uow.session, utcnow())
        uow.commit()
