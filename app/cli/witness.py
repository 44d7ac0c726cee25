"""`tradegate witness ...`: the logs this hub witnesses, its witness key, and its own witnesses."""

from __future__ import annotations

import base64
import json
from typing import Annotated

import typer

from app.cli.support import open_container, operator_session

witness_cli = typer.Typer(
    help="Witness other logs (C2SP tlog-witness) and see who witnesses this one.",
    no_args_is_help=True,
)
logs_cli = typer.Typer(help="The logs this hub cosigns.", no_args_is_help=True)
witness_cli.add_typer(logs_cli, name="logs")


@witness_cli.command("key")
def key_command() -> None:
    """Print this hub's witness verifier key (cosignature/v1), for `tradegate verify --witness`."""
    from app.services.witness.witnessing import witness_verifier

    container = open_container()
    typer.echo(witness_verifier(container.settings, container.keys).vkey)


@logs_cli.command("add")
def logs_add(
    origin: Annotated[str, typer.Argument(help="The log's checkpoint origin line")],
    vkey: Annotated[str, typer.Argument(help="The log's verifier key (C2SP signed-note)")],
) -> None:
    """Start witnessing a log: its checkpoints signed by VKEY get cosigned here."""
    from app.services.witness.witnessing import add_witnessed_log

    with operator_session() as session:
        row = add_witnessed_log(session, origin, vkey)
        typer.echo(json.dumps({"origin": row.origin, "vkey": row.vkey, "size": row.size}))


@logs_cli.command("list")
def logs_list() -> None:
    """The witnessed logs and the latest size and root this hub cosigned for each."""
    from app.services.witness.witnessing import list_witnessed_logs

    with operator_session() as session:
        rows = [
            {
                "origin": row.origin,
                "vkey": row.vkey,
                "size": row.size,
                "root_hash": base64.b64encode(row.root_hash).decode() if row.root_hash else None,
                "updated_at": row.updated_at.isoformat(),
            }
            for row in list_witnessed_logs(session)
        ]
    typer.echo(json.dumps(rows, indent=2))


@witness_cli.command("status")
def status_command() -> None:
    """Where this hub's checkpoints stand with each configured witness."""
    from app.services.witness.cosigning import submission_states

    with operator_session() as session:
        rows = [
            {
                "witness": state.witness_vkey,
                "url": state.url,
                "cosigned_size": state.witness_size,
                "failures": state.failures,
                "next_attempt_at": (
                    state.next_attempt_at.isoformat() if state.next_attempt_at else None
                ),
                "last_error": state.last_error,
            }
            for state in submission_states(session)
        ]
    typer.echo(json.dumps(rows, indent=2))


@witness_cli.command("submit")
def submit_command() -> None:
    """Submit the latest checkpoint to the configured witnesses now."""
    from app.tasks.witness import submit_checkpoints

    container = open_container()
    outcomes = submit_checkpoints(container)
    typer.echo(json.dumps([o.__dict__ for o in outcomes], indent=2))
