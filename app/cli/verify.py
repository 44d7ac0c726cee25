"""`tradegate verify`: check a document offline against its proof bundle (for anyone)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from cryptography import x509
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

from app.cli.support import EXIT_FAILED, refuse
from app.domain.cosignature import CosignatureVerifier
from app.domain.note import NoteError, NoteVerifier
from app.ledger.bundle import ProofBundle
from app.ledger.sinks import TrustAnchors
from app.ledger.verify import Report, verify_bundle

console = Console()


def trust_anchors(values: list[str]) -> TrustAnchors:
    """``--trust`` takes PEM files of TSA roots, or CHAIN_ID=RPC_URL for an EVM node."""
    trust = TrustAnchors()
    for value in values:
        chain, sep, url = value.partition("=")
        if sep and chain.isdigit():
            trust.evm_nodes[int(chain)] = url
            continue
        try:
            trust.certificates += x509.load_pem_x509_certificates(Path(value).read_bytes())
        except (OSError, ValueError) as exc:
            refuse(f"--trust {value}: {exc}")
    return trust


def _print_report(report: Report, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        return
    for check in report.checks:
        if check.ok:
            verdict = "[green]ok  [/green]"
        else:
            verdict = "[yellow]--  [/yellow]" if check.skipped else "[red]FAIL[/red]"
        reason = f" [bold]{check.reason}[/bold]" if check.reason else ""
        console.print(
            f"{verdict} {check.name:<10}{reason} {check.detail}", soft_wrap=True, highlight=False
        )
    colour = "green" if report.ok else "red"
    console.print(Text(report.verdict, style=colour), soft_wrap=True, highlight=False)


def verify(
    file: Annotated[Path, typer.Argument(help="The document as received", exists=True)],
    bundle: Annotated[Path, typer.Option("--bundle", help="Proof bundle JSON", exists=True)],
    log_key: Annotated[str, typer.Option("--log-key", help="The hub's log verifier key")],
    trust: Annotated[
        list[str] | None,
        typer.Option("--trust", help="TSA root PEM file, or CHAIN_ID=RPC_URL; repeatable"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable verdicts")] = False,
    require_anchor: Annotated[
        bool,
        typer.Option("--require-anchor", help="Fail unless an external anchor receipt verifies"),
    ] = False,
    witness: Annotated[
        list[str] | None,
        typer.Option(
            "--witness",
            help="A witness's cosignature verifier key; its cosignature is required. Repeatable",
        ),
    ] = None,
) -> None:
    """Verify a document offline: hash, leaf, inclusion, checkpoint signature, anchors and
    the cosignatures of the witnesses named with --witness."""
    try:
        verifier = NoteVerifier.from_vkey(log_key)
    except NoteError as exc:
        refuse(f"--log-key: {exc}")
    witnesses: list[CosignatureVerifier] = []
    for value in witness or []:
        try:
            witnesses.append(CosignatureVerifier.from_vkey(value))
        except NoteError as exc:
            refuse(f"--witness {value}: {exc}")
    try:
        parsed = ProofBundle.model_validate_json(bundle.read_bytes())
    except ValidationError as exc:
        refuse(f"{bundle} is not a proof bundle: {exc.error_count()} errors")
    report = verify_bundle(
        file.read_bytes(),
        parsed,
        [verifier],
        trust_anchors(trust or []),
        require_anchor=require_anchor,
        witnesses=witnesses,
    )
    _print_report(report, as_json)
    raise typer.Exit(0 if report.ok else EXIT_FAILED)
