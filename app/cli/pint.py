"""``tradegate pint accounts add|list|remove``: who may receive eBLs on this PINT platform."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from app.cli.support import operator_session, parse_uuid
from app.services.pint import accounts as svc
from app.settings import get_settings
from app.storage.models import PintAccount

pint_cli = typer.Typer(help="This hub as a DCSA PINT platform.", no_args_is_help=True)
accounts_cli = typer.Typer(help="Accounts that may receive eBLs here.", no_args_is_help=True)
pint_cli.add_typer(accounts_cli, name="accounts")


def _row(account: PintAccount) -> dict[str, Any]:
    return {
        "id": str(account.id),
        "participant_id": str(account.participant_id),
        "code_list_provider": account.code_list_provider,
        "party_code": account.party_code,
        "party_name": account.party_name,
    }


@pint_cli.command("status")
def status() -> None:
    """The platform code, where the endpoints are served, and the limits in force."""
    settings = get_settings()
    typer.echo(
        json.dumps(
            {
                "platform_code": settings.pint_platform_code,
                "enabled": bool(settings.pint_platform_code),
                "endpoints": f"{settings.issuer.rstrip('/')}{settings.pint_base_path}/v3",
                "signing_keys": f"{settings.issuer.rstrip('/')}/.well-known/jwks.json",
                "max_envelope_bytes": settings.pint_max_envelope_bytes,
                "max_documents": settings.pint_max_documents,
                "max_document_bytes": settings.pint_max_document_bytes,
                "transfer_ttl_seconds": settings.pint_transfer_ttl_seconds,
            },
            indent=2,
        )
    )


@accounts_cli.command("add")
def add(
    participant: Annotated[str, typer.Argument(help="Participant id that receives the eBLs")],
    party_code: Annotated[str, typer.Option("--party-code", help="Code senders address")],
    name: Annotated[str, typer.Option("--name", help="Name shown by receiver validation")],
    code_list: Annotated[
        str | None,
        typer.Option("--code-list", help="Code list provider; default: this platform's code"),
    ] = None,
) -> None:
    """Let a participant receive eBLs sent to PARTY_CODE on this platform."""
    provider = code_list or get_settings().pint_platform_code
    if not provider:
        typer.echo("error: set TRADEGATE_PINT_PLATFORM_CODE or give --code-list", err=True)
        raise typer.Exit(2)
    with operator_session() as session:
        account = svc.add_account(
            session,
            participant_id=parse_uuid(participant),
            code_list_provider=provider,
            party_code=party_code,
            party_name=name,
            actor="cli",
        )
        row = _row(account)
    typer.echo(json.dumps(row))


@accounts_cli.command("list")
def list_() -> None:
    """Every account that may receive eBLs here."""
    with operator_session() as session:
        rows = [_row(a) for a in svc.list_accounts(session)]
    typer.echo(json.dumps(rows, indent=2))


@accounts_cli.command("remove")
def remove(
    account_id: Annotated[str, typer.Argument(help="Account id (from `accounts list`)")],
) -> None:
    """Stop receiving eBLs for an account."""
    with operator_session() as session:
        svc.remove_account(session, parse_uuid(account_id), actor="cli")
    typer.echo(json.dumps({"id": account_id, "removed": True}))
