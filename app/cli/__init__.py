"""The `tradegate` command: one module of this package per command group."""

from __future__ import annotations

import typer

from app.cli.audit import audit_cli
from app.cli.clients import clients_cli
from app.cli.connectors import connectors_cli
from app.cli.consents import consents_cli
from app.cli.deliveries import deliveries_cli
from app.cli.demo import demo
from app.cli.financing import financing_cli
from app.cli.keys import keys_cli
from app.cli.ledger import ledger_cli
from app.cli.mandates import mandates_cli
from app.cli.openapi import openapi
from app.cli.participants import participants_cli
from app.cli.peers import peers_cli
from app.cli.pint import pint_cli
from app.cli.residency import residency_cli
from app.cli.server import PASSTHROUGH, beat, migrate, serve, worker
from app.cli.support import Commands
from app.cli.trust import trust_cli
from app.cli.users import users_cli
from app.cli.validate import validate_command
from app.cli.verify import verify
from app.cli.witness import witness_cli

cli = typer.Typer(
    cls=Commands,
    help="Tradegate trade-document interchange hub.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
cli.command()(migrate)
cli.command()(serve)
cli.command(context_settings=PASSTHROUGH)(worker)
cli.command(context_settings=PASSTHROUGH)(beat)
cli.command()(demo)
cli.command("validate")(validate_command)
cli.command("verify")(verify)
cli.command("openapi")(openapi)
cli.add_typer(participants_cli, name="participants")
cli.add_typer(clients_cli, name="clients")
cli.add_typer(users_cli, name="users")
cli.add_typer(keys_cli, name="keys")
cli.add_typer(connectors_cli, name="connectors")
cli.add_typer(deliveries_cli, name="deliveries")
cli.add_typer(audit_cli, name="audit")
cli.add_typer(consents_cli, name="consents")
cli.add_typer(mandates_cli, name="mandates")
cli.add_typer(ledger_cli, name="ledger")
cli.add_typer(financing_cli, name="financing")
cli.add_typer(trust_cli, name="trust")
cli.add_typer(pint_cli, name="pint")
cli.add_typer(witness_cli, name="witness")
cli.add_typer(peers_cli, name="peers")
cli.add_typer(residency_cli, name="residency")


def main() -> None:
    cli()
