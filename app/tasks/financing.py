"""Periodic financing housekeeping: expire registrations past maturity plus grace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.services.financing.transitions import expire_due, purge_probes
from app.storage.base import utcnow
from app.tasks.registry import periodic

if TYPE_CHECKING:
    from app.tasks.context import TaskContext


@periodic("financing.expire", seconds=60)
def expire_registrations(ctx: TaskContext) -> None:
    """Matching already ignores them past expiry; this records EXPIRED and forgets old probes."""
    with ctx.uow() as uow:
        now = utcnow()
        expire_due(uow.session, now)
        purge_probes(uow.session, now)
        uow.commit()
