"""Find anchor sinks by URL scheme: built-in aliases plus the ``tradegate.ledgers`` entry points."""

from __future__ import annotations

import importlib
import json
import logging
from datetime import datetime
from functools import cache
from importlib.metadata import entry_points
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from app.ledger.sinks.base import (
    AnchorReceipt,
    AnchorSink,
    AnchorVerificationError,
    TrustAnchors,
)

ENTRY_POINT_GROUP = "tradegate.ledgers"

#: URL scheme -> "module:Class". Plugins add schemes through the entry-point group.
BUILTIN_SINKS: dict[str, str] = {
    "none": "app.ledger.sinks.none:NoneSink",
    "rfc3161+http": "app.ledger.sinks.rfc3161:Rfc3161Sink",
    "rfc3161+https": "app.ledger.sinks.rfc3161:Rfc3161Sink",
    "evm+http": "app.ledger.sinks.evm:EvmSink",
    "evm+https": "app.ledger.sinks.evm:EvmSink",
}

logger = logging.getLogger(__name__)


class UnknownSinkError(ValueError):
    """No sink is registered for the URL scheme or receipt kind."""


def _import(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


@cache
def available_sinks() -> dict[str, type[AnchorSink]]:
    """Every loadable sink class by URL scheme; a plugin that fails to load is skipped."""
    found: dict[str, type[AnchorSink]] = {}
    candidates: list[tuple[str, Any]] = [
        (scheme, lambda t=target: _import(t)) for scheme, target in BUILTIN_SINKS.items()
    ]
    candidates += [(ep.name, ep.load) for ep in entry_points(group=ENTRY_POINT_GROUP)]
    for scheme, load in candidates:
        if scheme in found:
            continue
        try:
            found[scheme] = load()
        except Exception as exc:  # a third-party plugin must not take the hub down
            logger.warning("anchor sink %r could not be loaded and is skipped: %s", scheme, exc)
    return found


def by_url(url: str, **options: Any) -> AnchorSink:
    """Build the sink that the URL's scheme names, e.g. ``rfc3161+https://tsa.example/``."""
    scheme = urlsplit(url).scheme.lower()
    sink_class = available_sinks().get(scheme)
    if sink_class is None:
        raise UnknownSinkError(f"no anchor sink for scheme {scheme!r}")
    return sink_class.from_url(url, **options)


def _sink_for_kind(kind: str) -> type[AnchorSink]:
    for sink_class in available_sinks().values():
        if sink_class.kind == kind:
            return sink_class
    raise UnknownSinkError(f"no anchor sink understands receipts of kind {kind!r}")


def receipt_from_json(data: dict[str, Any] | str) -> AnchorReceipt:
    """Rebuild a typed receipt from its JSON form, using the sink that issued that kind."""
    raw = json.loads(data) if isinstance(data, str) else data
    kind = raw.get("kind") if isinstance(raw, dict) else None
    if not isinstance(kind, str):
        raise AnchorVerificationError("receipt has no kind", "anchor_malformed")
    try:
        sink_class = _sink_for_kind(kind)
    except UnknownSinkError as exc:
        raise AnchorVerificationError(str(exc), "anchor_unknown_kind") from exc
    try:
        return sink_class.receipt_type.model_validate(raw)
    except ValidationError as exc:
        raise AnchorVerificationError(
            f"malformed {kind} receipt: {exc}", "anchor_malformed"
        ) from exc


def verify_receipt(checkpoint: bytes, receipt: AnchorReceipt, trust: TrustAnchors) -> datetime:
    """Verify a receipt with the sink class that issued it; no sink configuration needed."""
    return _sink_for_kind(receipt.kind).verify_receipt(checkpoint, receipt, trust)
