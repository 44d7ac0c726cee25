"""Periodic consent housekeeping: expire consents at valid-until, drop elapsed counters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.services.consents.transitions import expire_due_consents
from app.storage.counters import purge_elapsed
from app.tasks.registry import periodic

if TYPE_CHECKING:
    from app.tasks.context import TaskContext


@periodic("consents.expire", seconds=60)
def expire_consents(ctx: TaskContext) -> None:
    """Access is already refused past valid-until; this records EXPIRED and notifies."""
    with ctx.uow() as uow:
        now = ctx.clock()
        expire_due_consents(uow.session, keys=ctx.keys, issuer=ctx.settings.issuer, now=now)
        purge_elapsed(uow.session, now)
        uow.commit()
