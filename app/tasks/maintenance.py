"""Housekeeping jobs: sweep the outbox for rows whose immediate publish did not happen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.tasks.registry import periodic

if TYPE_CHECKING:
    from app.container import Container


@periodic("outbox.sweep", seconds=2)
def sweep_outbox(container: Container) -> None:
    """Publish rows left behind by a crash between commit and publish, or a broker outage."""
    container.runner.relay_once()
