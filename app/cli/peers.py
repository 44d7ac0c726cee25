"""``tradegate peers add|list|refresh|suspend|resume``: the peer hubs this hub federates with."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from app.cli.support import operator_container
from app.services.federation import peers as svc
from app.storage.models import Peer

peers_cli = typer.Typer(help="Peer hubs (federation).", no_args_is_help=True)

Name = Annotated[str, typer.Argument(help="The peer's name (as `tradegate peers list` shows)")]


def _row(peer: Peer) -> dict[str, Any]:
    return {
        "name": peer.name,
        "jurisdiction": peer.jurisdiction,
        "status": peer.status,
        "base_url": peer.base_url,
        "issuer": peer.issuer,
        "log_origin": peer.log_origin,
        "log_key": peer.log_key,
        "status_reason": peer.status_reason,
    }


@peers_cli.command("add")
def add(
    url: Annotated[str, typer.Argument(help="The peer hub's base URL (https)")],
    pin: Annotated[
        str,
        typer.Option(
            "--pin", help="The peer's log verifier key, from its operator (`ledger log-key`)"
        ),
    ],
) -> None:
    """Fetch a hub's signed metadata, verify it against the pinned key, and add it as a peer."""
    with operator_container() as container, container.uow() as uow:
        peer = svc.add_peer(
            uow.session, container.settings, container.peer_client, url=url, pin=pin, actor="cli"
        )
        uow.commit()
        typer.echo(json.dumps(_row(peer)))


@peers_cli.command("list")
def list_() -> None:
    """Every peer hub, one JSON object a line."""
    with operator_container() as container, container.uow() as uow:
        for peer in svc.list_peers(uow.session):
            typer.echo(json.dumps(_row(peer)))


@peers_cli.command("refresh")
def refresh(name: Name) -> None:
    """Fetch a peer's signed metadata again (after it rotated its keys), against its pin."""
    with operator_container() as container, container.uow() as uow:
        peer = svc.refresh_peer(
            uow.session, container.settings, container.peer_client, name, actor="cli"
        )
        uow.commit()
        typer.echo(json.dumps(_row(peer)))


@peers_cli.command("suspend")
def suspend(
    name: Name,
    reason: Annotated[str, typer.Option(help="Why, for the audit trail")] = "",
) -> None:
    """Stop calling a peer and refuse its calls until it is resumed."""
    with operator_container() as container, container.uow() as uow:
        peer = svc.suspend_peer(uow.session, name, reason=reason, actor="cli")
        uow.commit()
        typer.echo(json.dumps(_row(peer)))


@peers_cli.command("resume")
def resume(name: Name) -> None:
    """Talk to a suspended peer again."""
    with operator_container() as container, container.uow() as uow:
        peer = svc.resume_peer(uow.session, name, actor="cli")
        uow.commit()
        typer.echo(json.dumps(_row(peer)))
