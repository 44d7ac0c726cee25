"""`tradegate verify`: check a document offline against its proof bundle, or a peer hub's
hash-match statement against that hub's log key (for anyone)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from cryptography import x509
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

from app.cli.support import EXIT_FAILED, refuse
from app.domain.cosignature import CosignatureVerifier
from app.domain.hash_match import HashMatchStatement, statement_fields
from app.domain.note import NoteError, NoteVerifier
from app.ledger.bundle import ProofBundle
from app.ledger.sinks import TrustAnchors
from app.ledger.statement import HashMatchEvidence
from app.ledger.verify import Report, document_digests, verify_bundle, verify_statement

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
    file: Annotated[
        Path | None, typer.Argument(help="The document as received", exists=True)
    ] = None,
    bundle: Annotated[
        Path | None, typer.Option("--bundle", help="Proof bundle JSON", exists=True)
    ] = None,
    log_key: Annotated[
        str, typer.Option("--log-key", help="The (answering) hub's log verifier key")
    ] = "",
    statement: Annotated[
        Path | None,
        typer.Option("--statement", help="Hash-match evidence JSON from a peer hub", exists=True),
    ] = None,
    sha256: Annotated[
        str | None,
        typer.Option("--sha256", help="With --statement: the hash the statement must be about"),
    ] = None,
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
    """Verify a document offline (hash, leaf, inclusion, checkpoint signature, anchors, and
    the cosignatures of the witnesses named with --witness), or a hash-match statement
    (signature, format, and for a match its proof in the hub's log)."""
    if (bundle is None) == (statement is None):
        refuse("give exactly one of --bundle and --statement")
    if not log_key:
        refuse("--log-key is required: the verifier key of the hub that signed")
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
    if statement is not None:
        _verify_statement(statement, verifier, file, sha256, as_json)
    if file is None or bundle is None:
        refuse("a document FILE is required with --bundle")
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


def _evidence(path: Path) -> HashMatchEvidence:
    """The evidence in a file: the evidence object itself, or a hub's answer that carries it."""
    try:
        data = json.loads(path.read_bytes())
    except ValueError:
        refuse(f"{path} is not JSON hash-match evidence")
    if isinstance(data, dict) and isinstance(data.get("evidence"), dict):
        data = data["evidence"]
    try:
        return HashMatchEvidence.model_validate(data)
    except ValidationError as exc:
        refuse(f"{path} is not hash-match evidence: {exc.error_count()} errors")


def _verify_statement(
    path: Path, verifier: NoteVerifier, file: Path | None, sha256: str | None, as_json: bool
) -> NoReturn:
    evidence = _evidence(path)
    if file is not None:
        raw, canonical = document_digests(file.read_bytes())
        if sha256 is not None and sha256.lower() not in (raw, canonical):
            refuse(f"--sha256 is not the hash of {file}")
        sha256 = canonical or raw
    report, said = verify_statement(evidence, [verifier], sha256=sha256)
    if as_json:
        typer.echo(json.dumps({**report.as_dict(), "statement": _fields(said)}, indent=2))
    else:
        _print_report(report, as_json=False)
        if said is not None and report.ok:
            for key, value in statement_fields(said).items():
                console.print(f"     {key:<14} {value}", soft_wrap=True, highlight=False)
    raise typer.Exit(0 if report.ok else EXIT_FAILED)


def _fields(said: HashMatchStatement | None) -> dict[str, object] | None:
    return statement_fields(said) if said is not None else None
