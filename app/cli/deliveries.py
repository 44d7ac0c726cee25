"""`tradegate deliveries list|retry`: delivery records and dead letters."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.cli.support import open_container, operator_session, parse_uuid, refuse
from app.security.principal import SYSTEM
from app.storage.models import DeliveryStatus

deliveries_cli = typer.Typer(help="Delivery records and dead letters.", no_args_is_help=True)
console = Console()


@deliveries_cli.command("list")
def deliveries_list(
    status: Annotated[DeliveryStatus | None, typer.Option(help="Only this status")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """Recent deliveries, newest first."""
    from app.services.delivery.deliveries import list_deliveries

    container = open_container()
    table = Table("id", "instance", "status", "attempts", "next attempt", "last error")
    with container.uow() as uow:
        for d in list_deliveries(uow.session, SYSTEM, status=status, limit=limit):
            table.add_row(
                str(d.id),
                str(d.instance_id),
                d.status,
                str(d.attempts),
                d.next_attempt_at.isoformat() if d.next_attempt_at else "",
                (d.last_error or "")[:80],
            )
    console.print(table)


@deliveries_cli.command("retry")
def deliveries_retry(
    delivery: Annotated[str | None, typer.Argument(help="Delivery id")] = None,
    dead: Annotated[bool, typer.Option("--dead", help="Every dead delivery")] = False,
) -> None:
    """Replay one delivery, or every dead letter, with a fresh retry budget."""
    from app.services.delivery.deliveries import replay_dead, replay_delivery

    if (delivery is None) == (not dead):
        refuse("give a delivery id or --dead (not both)")
    with operator_session() as session:
        if dead:
            count = replay_dead(session, SYSTEM)
        else:
            replay_delivery(session, SYSTEM, parse_uuid(str(delivery)))
            count = 1
    console.print(f"{count} deliver{'y' if count == 1 else 'ies'} scheduled again")
