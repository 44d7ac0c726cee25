"""What this hub answers a peer hub: OPRF evaluations, buckets of outputs, reported matches.

A peer learns ``OPRF(k, x)`` for its own inputs ``x`` (it sends them blinded, so this hub
learns nothing of them), then the outputs in the buckets its outputs fall in, with counts
and nothing else. A peer that found a match reports the output back, and this hub alerts the
lenders of its own registrations holding it; the output is one this hub computed itself, so
the report teaches it only that a registration across the border shares it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app import errors
from app.domain import oprf
from app.domain.financing import Answer
from app.domain.fingerprints import MatchKind
from app.services.common.events import record_event
from app.services.delivery.routing import FINANCING_DUPLICATE_TOPIC, notify
from app.services.financing.federation import outputs

SUITE = "ristretto255-SHA512"
#: Most elements, prefixes or outputs one request may carry (a document yields far fewer).
MAX_BATCH = 512


@dataclass(frozen=True, slots=True)
class Caller:
    """The peer hub calling, as its verified credentials name it."""

    peer_id: uuid.UUID
    name: str
    jurisdiction: str

    @property
    def actor(self) -> str:
        return f"peer:{self.name}"


def _refuse(detail: str, slug: str, **extensions: Any) -> errors.Unprocessable:
    return errors.Unprocessable(detail, slug=f"federation-{slug}", **extensions)


def _batch(items: Sequence[str], what: str) -> None:
    if not items:
        raise _refuse(f"no {what} given", "empty-batch")
    if len(items) > MAX_BATCH:
        raise _refuse(f"at most {MAX_BATCH} {what} per request", "batch-too-large")


def _hex(text: str, size: int, what: str, index: int) -> bytes:
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = b""
    if len(raw) != size or len(text) != 2 * size:
        raise _refuse(
            f"{what} {index} is not {size} hex-encoded bytes", f"invalid-{what}", index=index
        )
    return raw


def _key(keyring: oprf.OprfKeyring, key_id: str) -> oprf.OprfKey:
    key = keyring.by_id(key_id)
    if key is None:
        raise _refuse(f"this hub evaluates under no key {key_id!r}", "unknown-key")
    return key


def _event(session: Session, caller: Caller, kind: str, payload: dict[str, Any]) -> None:
    record_event(
        session,
        kind=f"federation.financing.{kind}",
        actor=caller.actor,
        subject=f"peer:{caller.peer_id}",
        payload={"peer": caller.name, "jurisdiction": caller.jurisdiction, **payload},
    )


def evaluate(
    session: Session,
    caller: Caller,
    elements: Sequence[str],
    *,
    keyring: oprf.OprfKeyring,
    bucket_bytes: int,
) -> dict[str, Any]:
    """BlindEvaluate every element under each usable key; a bad element refuses them all."""
    _batch(elements, "elements")
    blinded = [
        _hex(text, oprf.ELEMENT_BYTES, "element", index) for index, text in enumerate(elements)
    ]
    evaluations = []
    for key in keyring.all:
        try:
            evaluated = [oprf.blind_evaluate(key.secret, element).hex() for element in blinded]
        except oprf.DeserializeError as exc:
            raise _refuse(
                f"an element is not a ristretto255 element: {exc}", "invalid-element"
            ) from exc
        evaluations.append({"key_id": key.kid, "elements": evaluated})
    _event(
        session,
        caller,
        "evaluated",
        {"elements": len(blinded), "key_ids": [k.kid for k in keyring.all]},
    )
    return {
        "suite": SUITE,
        "mode": oprf.MODE_OPRF,
        "bucket_bytes": bucket_bytes,
        "evaluations": evaluations,
    }


def bucket(
    session: Session,
    caller: Caller,
    key_id: str,
    prefixes: Sequence[str],
    *,
    keyring: oprf.OprfKeyring,
    bucket_bytes: int,
    now: datetime,
) -> dict[str, Any]:
    """The open outputs under ``key_id`` in each prefix's bucket, each with its count."""
    _batch(prefixes, "prefixes")
    key = _key(keyring, key_id)
    wanted = [_hex(text, bucket_bytes, "prefix", index) for index, text in enumerate(prefixes)]
    found = outputs.buckets(session, key.kid, wanted, now)
    entries = sum(len(v) for v in found.values())
    _event(
        session,
        caller,
        "bucket_served",
        {"key_id": key.kid, "prefixes": len(found), "entries": entries},
    )
    return {
        "key_id": key.kid,
        "buckets": {
            prefix.hex(): [{"output": e.value.hex(), "count": e.count} for e in bucket_entries]
            for prefix, bucket_entries in found.items()
        },
    }


def report_matches(
    session: Session,
    caller: Caller,
    key_id: str,
    check_id: uuid.UUID,
    reported: Sequence[str],
    *,
    keyring: oprf.OprfKeyring,
    now: datetime,
) -> dict[str, Any]:
    """Alert the lenders of this hub's open registrations holding the reported outputs.

    Each lender hears about its own registration only: that a hub across the border (named,
    with its jurisdiction) holds a registration sharing these fingerprint classes. Outputs
    this hub does not hold (any more) are ignored; a repeated report alerts nobody twice.
    """
    _batch(reported, "outputs")
    key = _key(keyring, key_id)
    values = [_hex(text, oprf.OUTPUT_BYTES, "output", index) for index, text in enumerate(reported)]
    held: dict[uuid.UUID, tuple[uuid.UUID, list[str], set[str]]] = {}
    for holder in outputs.holders(session, key.kid, values, now):
        _, names, kinds = held.setdefault(holder.registration_id, (holder.lender_id, [], set()))
        if holder.definition not in names:
            names.append(holder.definition)
        kinds.add(holder.match)
    detected_at = now.isoformat().replace("+00:00", "Z")
    for registration_id, (lender_id, names, kinds) in held.items():
        status = Answer.DUPLICATE if MatchKind.DUPLICATE.value in kinds else Answer.SIMILAR
        data = {
            "registration_id": str(registration_id),
            "status": status.value,
            "fingerprints": names,
            "cross_border": {"peer": caller.name, "jurisdiction": caller.jurisdiction},
            "detected_at": detected_at,
        }
        notification = notify(
            session,
            participant_id=lender_id,
            topic=FINANCING_DUPLICATE_TOPIC,
            source_key=f"financing-peer:{caller.peer_id}:{check_id}:{registration_id}",
            data=data,
        )
        if notification is not None:
            record_event(
                session,
                kind=FINANCING_DUPLICATE_TOPIC,
                actor=caller.actor,
                subject=f"financing:{registration_id}",
                payload=data,
                participant_ids=[lender_id],
            )
    _event(
        session,
        caller,
        "match_reported",
        {
            "key_id": key.kid,
            "check_id": str(check_id),
            "outputs": len(values),
            "registrations": len(held),
        },
    )
    return {"accepted": len(values)}
