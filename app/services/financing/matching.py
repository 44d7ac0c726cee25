"""Fingerprints of a document under the hub's keys, and the open registrations sharing them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, undefer

from app import errors
from app.domain.financing import Assessment, FinancingState, Hit, assess
from app.domain.fingerprints import Fingerprint, FingerprintKey, Keyring, MatchKind
from app.storage.db import is_postgresql
from app.storage.models import Document, FinancingFingerprint, FinancingRegistration
from app.validation import IntakeError
from app.validation.fingerprints import DocumentFingerprints, document_fingerprints
from app.validation.registry import default_registry

#: States whose registrations count against other lenders' (until they expire).
OPEN_STATES = [s.value for s in FinancingState if s.active]


def fingerprints_of(
    raw: bytes, doc_type: str, keys: Iterable[FingerprintKey]
) -> DocumentFingerprints:
    """The document's fingerprints under ``keys``; a type without any is a 422."""
    registry = default_registry()
    try:
        found = document_fingerprints(raw, registry.by_id(doc_type), keys, registry)
    except IntakeError as exc:
        raise errors.Unprocessable(exc.detail, slug="financing-unreadable-document") from exc
    if found is None or not found.identifying:
        missing = found.missing if found is not None else {}
        raise errors.Unprocessable(
            f"documents of type {doc_type} cannot be registered: they have no identifying "
            "fingerprint",
            slug="financing-unsupported-document",
            missing_fields=missing,
        )
    return found


def definitions(found: DocumentFingerprints) -> list[tuple[str, MatchKind]]:
    """The definitions the document has fingerprints for, in registry order, once each."""
    return list(dict.fromkeys((f.definition, f.match) for f in found.fingerprints))


def _lock_keys(fingerprints: Iterable[Fingerprint]) -> list[int]:
    """Each fingerprint's advisory lock key (its first 60 bits), once each, in order."""
    return sorted({int(f.value[:15], 16) for f in fingerprints})


_ff = FinancingFingerprint
#: Built once: building a statement and its cache key costs more than running this one.
_OPEN_SHARING = sa.select(
    _ff.value, _ff.key_id, _ff.registration_id, _ff.lender_id, _ff.definition, _ff.match
).where(
    _ff.value.in_(sa.bindparam("values", expanding=True)),
    _ff.open.is_(True),
    _ff.expires_at > sa.bindparam("now"),
)


def hits(session: Session, fingerprints: Iterable[Fingerprint], now: datetime) -> list[Hit]:
    """Open, unexpired registrations sharing any of ``fingerprints`` (one index scan)."""
    wanted = {(bytes.fromhex(f.value), f.key_id) for f in fingerprints}
    if not wanted:
        return []
    rows = session.execute(_OPEN_SHARING, {"values": [v for v, _ in wanted], "now": now})
    return [
        Hit(str(row.registration_id), str(row.lender_id), row.definition, MatchKind(row.match))
        for row in rows
        if (row.value, row.key_id) in wanted
    ]


def assessment(
    session: Session, lender_id: uuid.UUID, found: DocumentFingerprints, now: datetime
) -> Assessment:
    """What ``lender_id`` is told about a document with these fingerprints right now."""
    return assess(str(lender_id), definitions(found), hits(session, found.fingerprints, now))


#: Migration 0018's function: the fingerprint locks, then the read of `hits` under a snapshot
#: taken once they are held (a single statement's would predate the wait).
_LOCK_AND_MATCH = sa.text(
    "SELECT fp_value, fp_key_id, fp_registration_id, fp_lender_id, fp_definition, fp_match"
    " FROM financing_lock_and_match(CAST(:keys AS bigint[]), CAST(:values AS bytea[]), :now)"
)


def locked_assessment(
    session: Session, lender_id: uuid.UUID, found: DocumentFingerprints, now: datetime
) -> Assessment:
    """The `assessment`, after serialising with every registration sharing a fingerprint:
    one round trip on PostgreSQL.

    Transaction advisory locks, one per fingerprint, taken in one order so two
    registrations never wait on each other; whoever held one before has committed (or rolled
    back) when it is granted, and the read that follows sees its registration. The locks
    stay held until this transaction ends, so the next one sees this one. SQLite has one
    writer anyway.
    """
    if not is_postgresql(session):
        return assessment(session, lender_id, found, now)
    wanted = {(bytes.fromhex(f.value), f.key_id) for f in found.fingerprints}
    rows = session.execute(
        _LOCK_AND_MATCH,
        {
            "keys": _lock_keys(found.fingerprints),
            "values": sorted({v for v, _ in wanted}),
            "now": now,
        },
    )
    found_hits = [
        Hit(str(registration_id), str(lender), definition, MatchKind(match))
        for value, key_id, registration_id, lender, definition, match in rows
        if (value, key_id) in wanted
    ]
    return assess(str(lender_id), definitions(found), found_hits)


@lru_cache(maxsize=64)
def _store(index: int) -> sa.Insert:
    """The insert of a registration's ``index``-th fingerprint, built once per place."""
    own = ("value", "key_id", "definition", "match")
    shared = ("registration_id", "lender_id", "expires_at")
    values: dict[str, Any] = {name: sa.bindparam(f"fp{index}_{name}") for name in own}
    values.update({name: sa.bindparam(f"fp_{name}") for name in shared})
    values["open"] = True
    return sa.insert(_ff).values(values).returning(_ff.registration_id)


def store_statements(
    registration: FinancingRegistration, fingerprints: Sequence[Fingerprint]
) -> tuple[list[sa.Insert], dict[str, Any]]:
    """The inserts that keep the registration's fingerprints, each RETURNING its registration
    id, and their parameters: single-row statements made once per place, because a multi-row
    VALUES is compiled afresh every time."""
    parameters: dict[str, Any] = {
        "fp_registration_id": registration.id,
        "fp_lender_id": registration.lender_id,
        "fp_expires_at": registration.expires_at,
    }
    for i, f in enumerate(fingerprints):
        parameters[f"fp{i}_value"] = bytes.fromhex(f.value)
        parameters[f"fp{i}_key_id"] = f.key_id
        parameters[f"fp{i}_definition"] = f.definition
        parameters[f"fp{i}_match"] = f.match.value
    return [_store(i) for i in range(len(fingerprints))], parameters


def store(
    session: Session, registration: FinancingRegistration, fingerprints: Iterable[Fingerprint]
) -> None:
    """Keep the registration's fingerprints (under the keys given: the current one)."""
    statements, parameters = store_statements(registration, list(fingerprints))
    for statement in statements:
        session.execute(statement, parameters)


def close(session: Session, registration_id: uuid.UUID) -> None:
    """A settled, cancelled or expired registration stops counting against anyone."""
    session.execute(
        sa.update(FinancingFingerprint)
        .where(FinancingFingerprint.registration_id == registration_id)
        .values(open=False)
    )


def lacking_key(
    session: Session, keyed: sa.Select[Any], *, limit: int
) -> list[tuple[FinancingRegistration, Document]]:
    """Open registrations not among ``keyed`` (those already keyed under the current key),
    oldest first, each with its stored document: what a rekey computes again."""
    reg = FinancingRegistration
    stale = session.scalars(
        sa.select(reg)
        .where(reg.state.in_(OPEN_STATES), reg.id.not_in(keyed))
        .order_by(reg.created_at, reg.id)
        .limit(limit)
    ).all()
    return [
        (
            registration,
            session.scalars(
                sa.select(Document)
                .where(Document.id == registration.document_id)
                .options(undefer(Document.content))
            ).one(),
        )
        for registration in stale
    ]


def rekey(session: Session, keyring: Keyring, *, limit: int = 1000) -> int:
    """Fingerprint open registrations that lack a fingerprint under the current key again,
    from their stored documents, so older keys can be retired; returns how many."""
    current = keyring.current
    ff = FinancingFingerprint
    keyed = sa.select(ff.registration_id).where(ff.key_id == current.kid)
    stale = lacking_key(session, keyed, limit=limit)
    for registration, document in stale:
        found = fingerprints_of(document.content, document.doc_type, [current])
        store(session, registration, found.fingerprints)
    return len(stale)


def registrations_only_under(session: Session, key_id: str) -> int:
    """Open registrations that no key but ``key_id`` fingerprints: retiring it would hide them."""
    ff = FinancingFingerprint
    return open_only_under(session, ff.key_id, ff.registration_id, key_id)


def open_only_under(
    session: Session,
    key_column: sa.orm.InstrumentedAttribute[str],
    registration_column: sa.orm.InstrumentedAttribute[uuid.UUID],
    key_id: str,
) -> int:
    """How many open registrations have rows (fingerprints, OPRF outputs) under ``key_id``
    and under no other key."""
    reg = FinancingRegistration
    other = sa.select(registration_column).where(key_column != key_id)
    under = sa.select(registration_column).where(key_column == key_id)
    return int(
        session.scalar(
            sa.select(sa.func.count()).where(
                reg.state.in_(OPEN_STATES), reg.id.in_(under), reg.id.not_in(other)
            )
        )
        or 0
    )
