"""Housekeeping jobs: sweep the outbox for rows whose publish did not happen or was lost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.tasks.registry import periodic

if TYPE_CHECKING:
    from app.tasks.context import TaskContext


@periodic("outbox.sweep", seconds=2)
def sweep_outbox(ctx: TaskContext) -> None:
    """Publish rows a crash or a broker outage left behind; redeliver those the broker lost."""
    ctx.runner.sweep()
