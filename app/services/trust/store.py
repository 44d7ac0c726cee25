"""The trust store: which public keys sign for which carrier or eBL platform, and until when."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import errors
from app.security.signed_content import (
    KeyMaterialError,
    ParsedKey,
    SignatureRefused,
    checked_algorithm,
    parse_jwk,
    parse_jwks,
    parse_pem,
    protected_header,
    public_key,
    verify_compact,
)
from app.services.common.events import record_event
from app.storage.base import utcnow
from app.storage.models import TrustedKey

#: Code list providers whose carrier codes the trust store accepts (DCSA carrierCodeListProvider).
CARRIER_CODE_LISTS = ("SMDG", "NMFTA")


class PartyKind(StrEnum):
    CARRIER = "carrier"
    PLATFORM = "platform"


@dataclass(frozen=True)
class Signer:
    """Who is expected to have signed: a carrier (code + list) or an eBL platform (code)."""

    kind: PartyKind
    code: str
    code_list_provider: str = ""

    @classmethod
    def carrier(cls, code: str, code_list_provider: str) -> Signer:
        return cls(PartyKind.CARRIER, code, code_list_provider)

    @classmethod
    def platform(cls, code: str) -> Signer:
        return cls(PartyKind.PLATFORM, code)

    def describe(self) -> str:
        if self.kind is PartyKind.CARRIER:
            return f"carrier {self.code} ({self.code_list_provider})"
        return f"platform {self.code}"


@dataclass(frozen=True)
class Verified:
    """A JWS that verified: its payload and the key that signed it."""

    payload: bytes
    kid: str
    alg: str


def _signer(kind: str, code: str, code_list_provider: str | None) -> Signer:
    try:
        party_kind = PartyKind(kind)
    except ValueError:
        raise errors.Unprocessable(
            f"a key belongs to a carrier or a platform, not {kind!r}", slug="trust-party-invalid"
        ) from None
    code = code.strip()
    if not code:
        raise errors.Unprocessable("the party code is empty", slug="trust-party-invalid")
    if party_kind is PartyKind.PLATFORM:
        if code_list_provider:
            raise errors.Unprocessable(
                "a platform is named by its DCSA platform code alone", slug="trust-party-invalid"
            )
        if len(code) > 4:
            raise errors.Unprocessable(
                "a DCSA platform code has at most 4 characters", slug="trust-party-invalid"
            )
        return Signer.platform(code)
    provider = (code_list_provider or "").upper()
    if provider not in CARRIER_CODE_LISTS:
        raise errors.Unprocessable(
            f"a carrier code list provider is one of {', '.join(CARRIER_CODE_LISTS)}",
            slug="trust-party-invalid",
        )
    return Signer.carrier(code, provider)


def _store(
    session: Session,
    signer: Signer,
    parsed: ParsedKey,
    *,
    source: str,
    not_before: dt.datetime | None,
    not_after: dt.datetime | None,
    actor: str,
) -> TrustedKey:
    clash = session.scalars(
        sa.select(TrustedKey).where(
            TrustedKey.party_kind == signer.kind.value,
            TrustedKey.party_code == signer.code,
            TrustedKey.code_list_provider == signer.code_list_provider,
            TrustedKey.kid == parsed.kid,
        )
    ).first()
    if clash is not None:
        raise errors.Conflict(
            f"{signer.describe()} already has a key {parsed.kid!r}", slug="trust-key-exists"
        )
    start = not_before or parsed.not_before
    end = not_after or parsed.not_after
    if start is not None and end is not None and end <= start:
        raise errors.Unprocessable("the key's validity ends before it starts", slug="trust-window")
    key = TrustedKey(
        party_kind=signer.kind.value,
        party_code=signer.code,
        code_list_provider=signer.code_list_provider,
        kid=parsed.kid,
        kty=parsed.kty,
        alg=parsed.alg,
        jwk=parsed.jwk,
        thumbprint=parsed.thumbprint,
        source=source,
        not_before=start,
        not_after=end,
    )
    session.add(key)
    session.flush()
    record_event(
        session,
        kind="trust.key_added",
        actor=actor,
        subject=f"trusted-key:{key.id}",
        payload={
            "party_kind": key.party_kind,
            "party_code": key.party_code,
            "code_list_provider": key.code_list_provider,
            "kid": key.kid,
            "thumbprint": key.thumbprint,
            "not_before": start.isoformat() if start else None,
            "not_after": end.isoformat() if end else None,
        },
    )
    return key


def _material(material: str | dict[str, Any], kid: str | None, alg: str | None) -> ParsedKey:
    try:
        if isinstance(material, dict):
            return parse_jwk({**material, **({"alg": alg} if alg else {})}, kid=kid)
        return parse_pem(material.encode(), kid=kid, alg=alg)
    except KeyMaterialError as exc:
        raise errors.Unprocessable(str(exc), slug="trust-key-invalid") from exc


def add_key(
    session: Session,
    *,
    kind: str,
    code: str,
    code_list_provider: str | None,
    material: str | dict[str, Any],
    kid: str | None = None,
    alg: str | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    actor: str,
) -> TrustedKey:
    """Trust one key (a JWK object or a PEM certificate / public key) for a carrier or platform."""
    signer = _signer(kind, code, code_list_provider)
    parsed = _material(material, kid, alg)
    source = "jwk" if isinstance(material, dict) else "pem"
    return _store(
        session,
        signer,
        parsed,
        source=source,
        not_before=not_before,
        not_after=not_after,
        actor=actor,
    )


def import_jwks(
    session: Session,
    *,
    kind: str,
    code: str,
    code_list_provider: str | None,
    jwks: dict[str, Any],
    actor: str,
) -> list[TrustedKey]:
    """Trust every key of a JWKS for one party; nothing is stored when one key is unusable."""
    signer = _signer(kind, code, code_list_provider)
    try:
        parsed = parse_jwks(jwks)
    except KeyMaterialError as exc:
        raise errors.Unprocessable(str(exc), slug="trust-key-invalid") from exc
    return [
        _store(session, signer, p, source="jwks", not_before=None, not_after=None, actor=actor)
        for p in parsed
    ]


def list_keys(
    session: Session, *, kind: str | None = None, code: str | None = None
) -> list[TrustedKey]:
    """Trusted keys, by party then newest first."""
    stmt = sa.select(TrustedKey)
    if kind:
        stmt = stmt.where(TrustedKey.party_kind == kind)
    if code:
        stmt = stmt.where(TrustedKey.party_code == code)
    stmt = stmt.order_by(TrustedKey.party_kind, TrustedKey.party_code, TrustedKey.created_at.desc())
    return list(session.scalars(stmt))


def revoke_key(session: Session, key_id: uuid.UUID, *, reason: str, actor: str) -> TrustedKey:
    """Stop trusting a key from now on; what it verified before stays recorded as it was."""
    key = session.get(TrustedKey, key_id)
    if key is None:
        raise errors.NotFound("no such trusted key", slug="trusted-key-not-found")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        key.revoked_reason = reason
        record_event(
            session,
            kind="trust.key_revoked",
            actor=actor,
            subject=f"trusted-key:{key.id}",
            payload={"kid": key.kid, "party_code": key.party_code, "reason": reason},
        )
    return key


def key_state(key: TrustedKey, now: dt.datetime) -> str:
    """``active``, ``revoked``, ``not-yet-valid`` or ``expired`` at ``now``."""
    if key.revoked_at is not None and key.revoked_at <= now:
        return "revoked"
    if key.not_before is not None and now < key.not_before:
        return "not-yet-valid"
    if key.not_after is not None and now >= key.not_after:
        return "expired"
    return "active"


def verify_signed(
    session: Session, token: str, signer: Signer, *, now: dt.datetime | None = None
) -> Verified:
    """Verify a compact JWS as signed by ``signer`` with a key it registered here.

    Refuses (:class:`SignatureRefused`) a disallowed algorithm, a missing or unknown kid, a kid
    registered to another party, a revoked or out-of-window key, a key of the wrong type for
    the algorithm, and a signature that does not verify.
    """
    header = protected_header(token)
    alg = checked_algorithm(header)
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise SignatureRefused("kid-missing", "the JWS header names no key (kid)")
    candidates = list(session.scalars(sa.select(TrustedKey).where(TrustedKey.kid == kid)))
    own = [
        k
        for k in candidates
        if k.party_kind == signer.kind.value
        and k.party_code == signer.code
        and k.code_list_provider == signer.code_list_provider
    ]
    if not own:
        if candidates:
            raise SignatureRefused(
                "kid-of-other-party", f"key {kid!r} is not registered for {signer.describe()}"
            )
        raise SignatureRefused("unknown-key", f"no trusted key {kid!r} for {signer.describe()}")
    key = own[0]
    state = key_state(key, now or utcnow())
    if state != "active":
        raise SignatureRefused(f"key-{state}", f"key {kid!r} is {state}")
    payload = verify_compact(token, alg, public_key(key.jwk))
    return Verified(payload, kid, alg)
