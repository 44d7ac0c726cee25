"""``tradegate pint status|send|accounts``: this hub as a PINT platform, its accounts, sending."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from app.cli.support import fail, open_container, operator_session, parse_uuid
from app.errors import ProblemError
from app.security.principal import SYSTEM
from app.services.pint import accounts as svc
from app.services.pint import sending
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


@pint_cli.command("send")
def send(
    document: Annotated[str, typer.Argument(help="Id of the eBL as received here over PINT")],
    peer: Annotated[str, typer.Option("--peer", help="pint connector instance of the peer")],
    party_code: Annotated[str, typer.Option("--to-code", help="Recipient's party code")],
    code_list: Annotated[str, typer.Option("--to-code-list", help="Its code list provider")],
    name: Annotated[str, typer.Option("--to-name", help="Recipient's party name")],
    platform: Annotated[str, typer.Option("--to-platform", help="Recipient's platform code")],
    action: Annotated[str, typer.Option("--action", help="TRANSFER, ENDORSE, ...")] = "TRANSFER",
) -> None:
    """Send an eBL held here to a party on another platform (through the outbox)."""
    recipient = {
        "partyName": name,
        "eblPlatform": platform,
        "identifyingCodes": [{"codeListProvider": code_list, "partyCode": party_code}],
    }
    container = open_container()
    try:
        with container.uow() as uow:
            try:
                transfer = sending.begin_transfer(
                    uow.session,
                    SYSTEM,
                    settings=container.settings,
                    keys=container.keys,
                    document_id=parse_uuid(document),
                    instance_id=parse_uuid(peer),
                    action_code=action,
                    recipient=recipient,
                )
            except ProblemError as exc:
                fail(exc)
            uow.commit()
            row = {
                "id": str(transfer.id),
                "state": transfer.state,
                "target": transfer.target_platform,
            }
    finally:
        container.close()
    typer.echo(json.dumps(row))
