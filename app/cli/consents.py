"""`tradegate consents`: run the expiry sweep now, verify an artefact offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.cli.support import refuse
from app.container import bootstrap
from app.services.consents.artefacts import InvalidArtefact, verify_artefact
from app.settings import get_settings
from app.tasks.consents import expire_consents

consents_cli = typer.Typer(help="Consent housekeeping and artefact checks.", no_args_is_help=True)

EXIT_INVALID = 1


@consents_cli.command("expire")
def expire() -> None:
    """Mark every consent past its valid-until EXPIRED now (the periodic job does it every 60 s)."""
    container = bootstrap(get_settings())
    try:
        expire_consents(container)
    finally:
        container.close()


@consents_cli.command("verify-artefact")
def verify_artefact_command(
    artefact: Annotated[Path, typer.Argument(help="File holding the compact JWS")],
    jwks: Annotated[Path, typer.Option(help="The hub's JWKS (/.well-known/jwks.json)")],
) -> None:
    """Check an artefact's ES256 signature against a JWKS and print its payload (exit 1 if bad)."""
    try:
        token = artefact.read_text("ascii").strip()
        keys = json.loads(jwks.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        refuse(str(exc))
    try:
        payload = verify_artefact(token, keys)
    except InvalidArtefact as exc:
        typer.echo(f"invalid: {exc}", err=True)
        raise typer.Exit(EXIT_INVALID) from exc
    typer.echo(json.dumps(payload, indent=2, sort_keys=True))
