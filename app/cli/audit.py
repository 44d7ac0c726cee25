"""`tradegate audit`: check the hash chain of the event log."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from app.container import bootstrap
from app.services.common.events import verify_chain
from app.settings import get_settings

audit_cli = typer.Typer(help="Inspect and verify the audit trail.", no_args_is_help=True)
console = Console()

EXIT_BROKEN = 1


@audit_cli.command("verify")
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Walk the event chain; report the first broken link (exit 1) or that it is intact."""
    container = bootstrap(get_settings())
    try:
        with container.uow() as uow:
            checked, broken = verify_chain(uow.session)
    finally:
        container.close()
    if as_json:
        report: dict[str, object] = {"checked": checked, "intact": broken is None}
        if broken is not None:
            report["first_break"] = {
                "seq": broken.seq,
                "reason": broken.reason,
                "event_id": broken.event_id,
            }
        typer.echo(json.dumps(report))
    elif broken is None:
        console.print(f"[green]intact[/green]: {checked} events, every link verified")
    else:
        where = f" (event {broken.event_id})" if broken.event_id else ""
        console.print(
            f"[red]broken[/red] at seq {broken.seq}{where}: {broken.reason}; "
            f"{checked} events before it verified"
        )
    if broken is not None:
        raise typer.Exit(EXIT_BROKEN)
