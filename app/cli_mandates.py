"""``tradegate mandates``: register which providers may push documents for which owners."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

import typer

from app.container import bootstrap
from app.errors import ProblemError
from app.services import mandates as svc
from app.settings import get_settings

mandates_cli = typer.Typer(help="Provider mandates to act for owners.", no_args_is_help=True)

Provider = Annotated[uuid.UUID, typer.Argument(help="Provider participant id")]
Owner = Annotated[uuid.UUID, typer.Argument(help="Owner participant id")]


def _run(action: str, provider: uuid.UUID, owner: uuid.UUID) -> None:
    container = bootstrap(get_settings())
    try:
        with container.uow() as uow:
            if action == "grant":
                svc.grant_mandate(uow.session, provider_id=provider, owner_id=owner, actor="cli")
            else:
                svc.revoke_mandate(uow.session, provider_id=provider, owner_id=owner, actor="cli")
            uow.commit()
    except ProblemError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from exc
    finally:
        container.close()
    typer.echo(json.dumps({"provider_id": str(provider), "owner_id": str(owner), action: True}))


@mandates_cli.command("grant")
def grant(provider: Provider, owner: Owner) -> None:
    """Let PROVIDER name OWNER explicitly when pushing documents."""
    _run("grant", provider, owner)


@mandates_cli.command("revoke")
def revoke(provider: Provider, owner: Owner) -> None:
    """Withdraw the mandate; already stored documents are unaffected."""
    _run("revoke", provider, owner)
