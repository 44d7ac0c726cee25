"""`tradegate financing`: check a document held as a lender, list, expire, re-key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.cli.support import fail, open_container, operator_session, parse_uuid, refuse
from app.errors import ProblemError
from app.security.principal import SYSTEM, Principal
from app.services.financing import checks, matching, registrations
from app.services.financing.federation import outputs
from app.services.participants.service import find_participant
from app.storage.base import utcnow
from app.tasks.financing import expire_registrations

financing_cli = typer.Typer(
    help="Duplicate-financing guard: checks, registrations, expiry and re-keying.",
    no_args_is_help=True,
)
console = Console()


@financing_cli.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="The document the lender holds (JSON or XML)")],
    lender: Annotated[str, typer.Option(help="The lender: id, exact name or SCHEME:VALUE")],
) -> None:
    """What registering FILE would tell LENDER now (statuses and counts); nothing is stored
    but the audited check, which counts against the lender's daily probe limit."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        refuse(str(exc))
    with operator_session() as session:
        participant = find_participant(session, lender)
        principal = Principal(
            participant_id=participant.id,
            client_id="cli",
            roles=frozenset(participant.role_names),
            kind="operator",
        )
    container = open_container()
    try:
        result = checks.check(container, principal, checks.CheckRequest(raw=raw), now=utcnow())
    except ProblemError as exc:
        fail(exc)
    finally:
        container.close()
    typer.echo(json.dumps(result, indent=2))


@financing_cli.command("list")
def list_registrations(
    document: Annotated[
        str | None, typer.Option(help="Only registrations on this document")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
) -> None:
    """Every lender's registrations, newest first, one JSON object a line (operator view)."""
    with operator_session() as session:
        page = registrations.list_registrations(
            session,
            SYSTEM,
            document_id=parse_uuid(document) if document else None,
            limit=limit,
        )
        for registration in page.items:
            body = registrations.registration_body(registration)
            typer.echo(json.dumps({**body, "lender_id": str(registration.lender_id)}))


@financing_cli.command("expire")
def expire() -> None:
    """Expire every open registration past maturity plus grace now (the job runs every 60 s)."""
    container = open_container()
    try:
        expire_registrations(container)
    finally:
        container.close()


@financing_cli.command("rekey")
def rekey() -> None:
    """Fingerprint open registrations under the current fingerprint key (and compute their
    OPRF outputs under the current OPRF key), so that older keys can be retired
    (`tradegate keys retire KID`) without hiding them."""
    container = open_container()
    try:
        keyring = container.keys.fingerprint_keyring()
        oprf_keyring = container.keys.oprf_keyring()
        total = oprf_total = 0
        while True:
            with container.uow() as uow:
                done = matching.rekey(uow.session, keyring)
                uow.commit()
            total += done
            if not done:
                break
        while True:
            with container.uow() as uow:
                done = outputs.rekey(uow.session, oprf_keyring)
                uow.commit()
            oprf_total += done
            if not done:
                break
    finally:
        container.close()
    console.print(f"{total} registrations fingerprinted under {keyring.current.kid}")
    console.print(f"{oprf_total} registrations evaluated under {oprf_keyring.current.kid}")
