"""`tradegate users add`: dashboard users."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from app.cli.support import operator_session

users_cli = typer.Typer(help="Manage dashboard users.", no_args_is_help=True)
console = Console()


@users_cli.command("add")
def users_add(
    participant: Annotated[str, typer.Argument(help="Participant id, name or SCHEME:VALUE")],
    email: Annotated[str, typer.Argument(help="Login e-mail")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    admin: Annotated[bool, typer.Option(help="Administrator of the hub")] = False,
) -> None:
    """Create a dashboard user (password hashed with argon2)."""
    from app.services.participants.service import add_user, find_participant

    with operator_session() as session:
        p = find_participant(session, participant)
        user = add_user(session, p, email=email, password=password, is_admin=admin, actor="cli")
    console.print(f"user {user.email} created")
