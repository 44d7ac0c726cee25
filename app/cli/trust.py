"""``tradegate trust add|import-jwks|list|revoke``: the carrier and platform keys trusted here."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.support import EXIT_USAGE, err, operator_session, parse_uuid
from app.services.trust import store as svc
from app.storage.base import utcnow
from app.storage.models import TrustedKey

trust_cli = typer.Typer(help="Keys of carriers and eBL platforms.", no_args_is_help=True)

Platform = Annotated[str | None, typer.Option("--platform", help="DCSA platform code")]
Carrier = Annotated[str | None, typer.Option("--carrier", help="Carrier code (SMDG or NMFTA)")]
CodeList = Annotated[
    str, typer.Option("--code-list", help="Code list provider of --carrier: SMDG or NMFTA")
]


def _party(platform: str | None, carrier: str | None, code_list: str) -> tuple[str, str, str]:
    if (platform is None) == (carrier is None):
        err.print("[red]error:[/red] give exactly one of --platform and --carrier")
        raise typer.Exit(EXIT_USAGE)
    if platform is not None:
        return "platform", platform, ""
    return "carrier", str(carrier), code_list


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot read {path}: {exc.strerror}")
        raise typer.Exit(EXIT_USAGE) from exc


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(_read(path))
    except ValueError as exc:
        err.print(f"[red]error:[/red] {path} is not JSON")
        raise typer.Exit(EXIT_USAGE) from exc
    if not isinstance(data, dict):
        err.print(f"[red]error:[/red] {path} does not hold a JSON object")
        raise typer.Exit(EXIT_USAGE)
    return data


def _row(key: TrustedKey, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": str(key.id),
        "party_kind": key.party_kind,
        "party_code": key.party_code,
        "code_list_provider": key.code_list_provider or None,
        "kid": key.kid,
        "kty": key.kty,
        "alg": key.alg,
        "state": svc.key_state(key, now),
        "not_before": key.not_before.isoformat() if key.not_before else None,
        "not_after": key.not_after.isoformat() if key.not_after else None,
    }


@trust_cli.command("add")
def add(
    file: Annotated[Path, typer.Argument(help="A public JWK (JSON) or a PEM certificate/key")],
    platform: Platform = None,
    carrier: Carrier = None,
    code_list: CodeList = "SMDG",
    kid: Annotated[
        str | None, typer.Option(help="Key id; default: the JWK's or its thumbprint")
    ] = None,
    alg: Annotated[str | None, typer.Option(help="RS256, PS256 or ES256")] = None,
    not_after: Annotated[dt.datetime | None, typer.Option(help="End of validity (UTC)")] = None,
) -> None:
    """Trust one key for a carrier or a platform."""
    kind, code, provider = _party(platform, carrier, code_list)
    text = _read(file)
    material: str | dict[str, Any] = text if "-----BEGIN" in text else _json(file)
    end = not_after.replace(tzinfo=dt.UTC) if not_after and not not_after.tzinfo else not_after
    with operator_session() as session:
        key = svc.add_key(
            session,
            kind=kind,
            code=code,
            code_list_provider=provider,
            material=material,
            kid=kid,
            alg=alg,
            not_after=end,
            actor="cli",
        )
        row = _row(key, utcnow())
    typer.echo(json.dumps(row))


@trust_cli.command("import-jwks")
def import_jwks(
    file: Annotated[Path, typer.Argument(help='A JWKS file: {"keys": [...]}')],
    platform: Platform = None,
    carrier: Carrier = None,
    code_list: CodeList = "SMDG",
) -> None:
    """Trust every key of a JWKS for one platform or carrier."""
    kind, code, provider = _party(platform, carrier, code_list)
    jwks = _json(file)
    with operator_session() as session:
        keys = svc.import_jwks(
            session, kind=kind, code=code, code_list_provider=provider, jwks=jwks, actor="cli"
        )
        now = utcnow()
        rows = [_row(k, now) for k in keys]
    typer.echo(json.dumps(rows))


@trust_cli.command("list")
def list_(
    platform: Platform = None,
    carrier: Carrier = None,
) -> None:
    """The trusted keys and whether each is usable now."""
    kind = "platform" if platform else "carrier" if carrier else None
    with operator_session() as session:
        now = utcnow()
        rows = [_row(k, now) for k in svc.list_keys(session, kind=kind, code=platform or carrier)]
    typer.echo(json.dumps(rows, indent=2))


@trust_cli.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="Trusted key id (from `trust list`)")],
    reason: Annotated[str, typer.Option(help="Why the key is no longer trusted")],
) -> None:
    """Stop trusting a key; signatures checked before keep their recorded outcome."""
    with operator_session() as session:
        key = svc.revoke_key(session, parse_uuid(key_id), reason=reason, actor="cli")
        row = _row(key, utcnow())
    typer.echo(json.dumps(row))
