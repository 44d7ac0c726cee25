"""Witness job: send the newest checkpoint to the configured witnesses and keep their cosignatures.

Periodic rather than per checkpoint: a busy log signs a checkpoint a second, and a witness
only needs the newest one (each cosignature vouches for every smaller tree through the
consistency proof it checked). Failures back off per witness; the next run retries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from app.services.witness.cosigning import Submission, submit_to_witnesses, witness_endpoints
from app.tasks.registry import periodic

if TYPE_CHECKING:
    from app.tasks.context import TaskContext

WITNESS_JOB = "ledger.witness"


@periodic(WITNESS_JOB, seconds=5)
def submit_checkpoints(ctx: TaskContext) -> list[Submission]:
    """One round with every witness (nothing to do when there is none)."""
    with ctx.uow() as uow:
        endpoints = witness_endpoints(uow.session, ctx.settings)
    if not endpoints:
        return []
    with httpx.Client(follow_redirects=False) as http:
        return submit_to_witnesses(ctx, http, endpoints)
