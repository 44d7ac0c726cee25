"""`tradegate consents`: the expiry sweep, and offline checks of artefacts and deletion receipts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from app.cli.support import refuse
from app.cli.verify import trust_anchors
from app.container import bootstrap
from app.domain.deletion_receipt import ReceiptRejected
from app.domain.hashing import sha256_hex
from app.domain.note import NoteError, NoteVerifier
from app.ledger.bundle import BUNDLE_FORMAT, ProofBundle
from app.ledger.verify import verify_bundle
from app.security.receipts import verify_receipt_offline
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


def _read_receipt(path: Path) -> tuple[str, ProofBundle | None]:
    """The compact JWS in `path`: bare, a receipt as the API returns it, or a proof bundle."""
    text = path.read_text("utf-8").strip()
    if not text.startswith("{"):
        return text, None
    document = json.loads(text)
    if document.get("format") == BUNDLE_FORMAT:
        bundle = ProofBundle.model_validate(document)
        return str(bundle.event.payload.get("jws", "")), bundle
    return str(document.get("jws", "")), None


def _keys(path: Path) -> list[dict[str, Any]]:
    """A JWKS (`{"keys": [...]}`) or a single JWK."""
    document = json.loads(path.read_text("utf-8"))
    keys = document.get("keys", [document]) if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise ValueError(f"{path} holds neither a JWKS nor a JWK")
    return keys


@consents_cli.command("verify-receipt")
def verify_receipt_command(
    receipt: Annotated[
        Path,
        typer.Argument(help="The receipt: compact JWS, the API's JSON, or its proof bundle"),
    ],
    jwks: Annotated[Path, typer.Option(help="The consumer's public keys (JWKS or one JWK)")],
    log_key: Annotated[
        str | None,
        typer.Option("--log-key", help="The hub's log key: also check a bundle's ledger proof"),
    ] = None,
    trust: Annotated[
        list[str] | None,
        typer.Option("--trust", help="TSA root PEM file, or CHAIN_ID=RPC_URL; repeatable"),
    ] = None,
    at: Annotated[
        datetime | None,
        typer.Option(help="Judge the receipt's times as of this moment (default: now, UTC)"),
    ] = None,
) -> None:
    """Check a deletion receipt's signature (ES256, PS256 or RS256) and claims against the
    consumer's keys, and with --log-key that the hub logged and anchored it; exit 1 if not."""
    try:
        token, bundle = _read_receipt(receipt)
        keys = _keys(jwks)
        verifiers = [NoteVerifier.from_vkey(log_key)] if log_key else []
    except (OSError, ValueError, ValidationError, NoteError) as exc:
        refuse(str(exc))
    try:
        moment = (at if at.tzinfo else at.replace(tzinfo=UTC)) if at else datetime.now(UTC)
        signed = verify_receipt_offline(token, keys, moment)
    except ReceiptRejected as exc:
        typer.echo(f"invalid: {exc.reason.value}: {exc.detail}", err=True)
        raise typer.Exit(EXIT_INVALID) from exc
    verdict: dict[str, Any] = {
        "valid": True,
        "sha256": sha256_hex(token.encode("ascii")),
        "algorithm": signed.algorithm,
        "key_thumbprint": signed.key_thumbprint,
        "claims": signed.claims.as_claims(),
    }
    if bundle is not None and verifiers:
        report = verify_bundle(None, bundle, verifiers, trust_anchors(trust or []))
        bound = bundle.event.payload.get("sha256") == verdict["sha256"]
        verdict["ledger"] = report.as_dict()
        verdict["valid"] = report.ok and bound
    typer.echo(json.dumps(verdict, indent=2, sort_keys=True))
    if not verdict["valid"]:
        raise typer.Exit(EXIT_INVALID)
