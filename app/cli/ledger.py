"""`tradegate ledger ...`: inspect, sequence, anchor and audit the transparency log (operator)."""

from __future__ import annotations

import json
import sys
import uuid
from typing import Annotated

import typer
from rich.console import Console

from app.cli.support import open_container, refuse

ledger_cli = typer.Typer(help="Inspect, sequence, anchor and audit the transparency log.")
console = Console()
EXIT_FAILED = 1


@ledger_cli.command("status")
def status() -> None:
    """Tree size, anchored size, anchoring lag and the latest checkpoint."""
    from app.ledger import store
    from app.services.ledger.log import anchoring_health, anchoring_lag_seconds, log_verifier

    container = open_container()
    with container.uow() as uow:
        state = store.peek_state(uow.session)
        latest = store.latest_checkpoint(uow.session)
        body = {
            "log_key": log_verifier(container.settings, container.keys).vkey,
            "size": state.size if state else 0,
            "anchored_size": state.anchored_size if state else 0,
            "anchor_lag_seconds": round(anchoring_lag_seconds(uow.session), 3),
            "anchor_failures": state.anchor_failures if state else 0,
            "last_anchor_error": state.last_anchor_error if state else None,
            "writes_refused": anchoring_health(uow.session, container.settings),
            "checkpoint": latest.note if latest else None,
        }
    typer.echo(json.dumps(body, indent=2))


@ledger_cli.command("log-key")
def log_key_command() -> None:
    """Print the verifier key third parties pin for `tradegate verify --log-key`."""
    from app.services.ledger.log import log_verifier

    container = open_container()
    typer.echo(log_verifier(container.settings, container.keys).vkey)


@ledger_cli.command("sequence")
def sequence_command() -> None:
    """Integrate pending events now and print the new tree size."""
    from app.tasks.ledger import sequence

    typer.echo(json.dumps({"size": sequence(open_container())}))


@ledger_cli.command("anchor")
def anchor_command(
    sink: Annotated[
        str | None, typer.Option(help="Re-anchor to this sink URL instead of the configured ones")
    ] = None,
    size: Annotated[int | None, typer.Option(help="Checkpoint size (default: latest)")] = None,
) -> None:
    """Anchor the latest checkpoint now, or re-anchor a checkpoint to another sink."""
    from app.services.ledger.anchoring import (
        build_sink,
        plan_anchoring,
        plan_reanchoring,
        record_outcome,
        run_plan,
    )
    from app.storage.base import utcnow

    container = open_container()
    settings = container.settings
    with container.uow() as uow:
        if sink is None:
            plan = plan_anchoring(uow.session, settings, utcnow(), force=True)
        else:
            plan = plan_reanchoring(uow.session, sink, size)
    if plan is None:
        typer.echo(json.dumps({"anchored": [], "detail": "nothing to anchor"}))
        return
    outcome = run_plan(plan, lambda url: build_sink(url, settings))
    with container.uow() as uow:
        record_outcome(uow.session, settings, plan, outcome, utcnow())
        uow.commit()
    typer.echo(
        json.dumps(
            {"size": plan.size, "anchored": sorted(outcome.receipts), "errors": outcome.errors},
            indent=2,
        )
    )
    if outcome.errors:
        raise typer.Exit(EXIT_FAILED)


@ledger_cli.command("audit")
def audit_command() -> None:
    """Recompute the log from events and salts; exit 1 and list findings if anything is off."""
    from app.services.ledger.audit import audit_log

    container = open_container()
    with container.uow() as uow:
        findings = audit_log(uow.session, container.settings, container.keys)
    for finding in findings:
        console.print(f"[red]{finding.reason}[/red] {finding.detail}", highlight=False)
    if findings:
        raise typer.Exit(EXIT_FAILED)
    console.print("[green]log consistent with every signed checkpoint[/green]")


@ledger_cli.command("proof")
def proof_command(
    document: Annotated[uuid.UUID, typer.Argument(help="Document id")],
) -> None:
    """Print a document's proof bundle (as the operator: every tenant)."""
    from app.security.principal import SYSTEM
    from app.services.ledger.log import document_proof_bundle

    container = open_container()
    with container.uow() as uow:
        bundle = document_proof_bundle(
            uow.session, SYSTEM, document, container.settings, container.keys
        )
    sys.stdout.write(bundle.model_dump_json(indent=2) + "\n")


@ledger_cli.command("deploy-evm")
def deploy_evm(
    rpc: Annotated[str, typer.Option(help="JSON-RPC URL of the node")],
    private_key: Annotated[
        str | None, typer.Option(envvar="TRADEGATE_LEDGER_EVM_PRIVATE_KEY", help="Deployer key")
    ] = None,
) -> None:
    """Deploy the CheckpointAnchor contract and print the sink URL to configure."""
    from app.ledger.sinks import AnchorError
    from app.ledger.sinks.evm import connect, deploy_contract

    web3 = connect(rpc)
    if not web3.is_connected():
        refuse(f"no JSON-RPC node answers at {rpc}: check --rpc")
    try:
        address = deploy_contract(web3, private_key=private_key)
    except AnchorError as exc:
        refuse(f"the contract was not deployed: {exc}")
    scheme, rest = rpc.split("://", 1)
    typer.echo(f"evm+{scheme}://{rest}?chain_id={web3.eth.chain_id}&contract={address}")
