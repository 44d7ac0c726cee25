"""``tradegate mandates``: register which providers may push documents for which owners."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

import typer

from app.cli.support import operator_session
from app.services.participants import mandates as svc

mandates_cli = typer.Typer(help="Provider mandates to act for owners.", no_args_is_help=True)

Provider = Annotated[uuid.UUID, typer.Argument(help="Provider participant id")]
Owner = Annotated[uuid.UUID, typer.Argument(help="Owner participant id")]


def _run(action: str, provider: uuid.UUID, owner: uuid.UUID) -> None:
    with operator_session() as session:
        if action == "grant":
            svc.grant_mandate(session, provider_id=provider, owner_id=owner, actor="cli")
        else:
            svc.revoke_mandate(session, provider_id=provider, owner_id=owner, actor="cli")
    typer.echo(json.dumps({"provider_id": str(provider), "owner_id": str(owner), action: True}))


@mandates_cli.command("grant")
def grant(provider: Provider, owner: Owner) -> None:
    """Let PROVIDER name OWNER explicitly when pushing documents."""
    _run("grant", provider, owner)


@mandates_cli.command("revoke")
def revoke(provider: Provider, owner: Owner) -> None:
    """Withdraw the mandate; already stored documents are unaffected."""
    _run("revoke", provider, owner)
