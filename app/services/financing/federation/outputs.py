"""This hub's OPRF outputs of its open registrations: stored, closed, re-keyed, bucketed."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.domain import oprf
from app.domain.fingerprints import Identifier
from app.services.financing import matching
from app.storage.models import Document, FinancingOprfOutput, FinancingRegistration
from app.validation.fingerprints import document_fingerprints
from app.validation.registry import default_registry


@lru_cache(maxsize=64)
def _store(index: int) -> sa.Insert:
    """The insert of a registration's ``index``-th OPRF output, built once per place."""
    own = ("value", "definition", "match")
    shared = ("key_id", "registration_id", "expires_at")
    values: dict[str, Any] = {name: sa.bindparam(f"oprf{index}_{name}") for name in own}
    values.update({name: sa.bindparam(f"oprf_{name}") for name in shared})
    return (
        sa.insert(FinancingOprfOutput).values(values).returning(FinancingOprfOutput.registration_id)
    )


def store_statements(
    registration: FinancingRegistration, identifiers: Iterable[Identifier], key: oprf.OprfKey
) -> tuple[list[sa.Insert], dict[str, Any]]:
    """The inserts that keep ``y = OPRF(k, input)`` of each identifier of a new open
    registration, and their parameters, to run with the registration's other writes."""
    # One row per distinct output: a document repeating a combination counts once.
    rows = {oprf.evaluate(key.secret, i.message): i for i in identifiers}
    parameters: dict[str, Any] = {
        "oprf_key_id": key.kid,
        "oprf_registration_id": registration.id,
        "oprf_expires_at": registration.expires_at,
    }
    for i, (value, identifier) in enumerate(rows.items()):
        parameters[f"oprf{i}_value"] = value
        parameters[f"oprf{i}_definition"] = identifier.definition
        parameters[f"oprf{i}_match"] = identifier.match.value
    return [_store(i) for i in range(len(rows))], parameters


def store(
    session: Session,
    registration: FinancingRegistration,
    identifiers: Iterable[Identifier],
    key: oprf.OprfKey,
) -> None:
    """Keep the OPRF outputs of an open registration written apart from its other rows."""
    statements, parameters = store_statements(registration, identifiers, key)
    for statement in statements:
        session.execute(statement, parameters)


def close(session: Session, registration_id: uuid.UUID) -> None:
    """A settled, cancelled or expired registration leaves the set peers are answered from."""
    session.execute(
        sa.delete(FinancingOprfOutput).where(FinancingOprfOutput.registration_id == registration_id)
    )


def _identifiers_of(document: Document) -> tuple[Identifier, ...]:
    registry = default_registry()
    found = document_fingerprints(document.content, registry.by_id(document.doc_type), (), registry)
    return found.identifiers if found is not None else ()


def rekey(session: Session, keyring: oprf.OprfKeyring, *, limit: int = 1000) -> int:
    """Compute outputs under the current OPRF key for open registrations lacking them (from
    their stored documents), so a rotated key can be retired; returns how many."""
    current = keyring.current
    out = FinancingOprfOutput
    keyed = sa.select(out.registration_id).where(out.key_id == current.kid)
    stale = matching.lacking_key(session, keyed, limit=limit)
    for registration, document in stale:
        store(session, registration, _identifiers_of(document), current)
    return len(stale)


def registrations_only_under(session: Session, key_id: str) -> int:
    """Open registrations with outputs under ``key_id`` alone: retiring it would hide them."""
    out = FinancingOprfOutput
    return matching.open_only_under(session, out.key_id, out.registration_id, key_id)


def _prefix_range(prefix: bytes) -> tuple[bytes, bytes | None]:
    """[low, high) of the 64-byte values starting with ``prefix`` (high None: no bound)."""
    low = prefix.ljust(oprf.OUTPUT_BYTES, b"\x00")
    as_int = int.from_bytes(prefix, "big") + 1
    if as_int >> (8 * len(prefix)):
        return low, None
    return low, as_int.to_bytes(len(prefix), "big").ljust(oprf.OUTPUT_BYTES, b"\x00")


@dataclass(frozen=True, slots=True)
class BucketEntry:
    """One output in a bucket and how many open registrations have it: nothing else."""

    value: bytes
    count: int


def buckets(
    session: Session, key_id: str, prefixes: Sequence[bytes], now: datetime
) -> dict[bytes, list[BucketEntry]]:
    """Every open, unexpired output under ``key_id`` in each prefix's bucket, with counts."""
    out = FinancingOprfOutput
    answer: dict[bytes, list[BucketEntry]] = {}
    for prefix in dict.fromkeys(prefixes):
        low, high = _prefix_range(prefix)
        stmt = (
            sa.select(out.value, sa.func.count(sa.distinct(out.registration_id)))
            .where(out.key_id == key_id, out.value >= low, out.expires_at > now)
            .group_by(out.value)
            .order_by(out.value)
        )
        if high is not None:
            stmt = stmt.where(out.value < high)
        answer[prefix] = [BucketEntry(bytes(v), int(n)) for v, n in session.execute(stmt)]
    return answer


@dataclass(frozen=True, slots=True)
class Holder:
    """An open registration of this hub holding a reported output."""

    registration_id: uuid.UUID
    lender_id: uuid.UUID
    definition: str
    match: str


def holders(session: Session, key_id: str, values: Iterable[bytes], now: datetime) -> list[Holder]:
    """The open registrations with any of ``values`` under ``key_id``, and their lenders."""
    wanted = list(dict.fromkeys(values))
    if not wanted:
        return []
    out, reg = FinancingOprfOutput, FinancingRegistration
    stmt = (
        sa.select(out.registration_id, reg.lender_id, out.definition, out.match)
        .join(reg, reg.id == out.registration_id)
        .where(out.key_id == key_id, out.value.in_(wanted), out.expires_at > now)
        .order_by(out.registration_id, out.definition)
    )
    return [
        Holder(r.registration_id, r.lender_id, r.definition, r.match) for r in session.execute(stmt)
    ]
