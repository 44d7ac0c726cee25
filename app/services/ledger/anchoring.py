"""Anchoring policy: when to notarise the latest checkpoint, with which sinks, and backoff."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import BadRequest, NotFound, ProblemError
from app.ledger import store
from app.ledger.sinks import AnchorError, AnchorReceipt, AnchorSink, TrustAnchors, by_url
from app.ledger.sinks.registry import UnknownSinkError
from app.settings import Settings
from app.storage.models.ledger import LedgerAnchor


@dataclass(frozen=True)
class AnchorPlan:
    """One checkpoint to notarise and the sinks that still lack a receipt for it."""

    checkpoint_id: uuid.UUID
    size: int
    note: bytes
    sinks: tuple[str, ...]
    advances_policy: bool = True


@dataclass(frozen=True)
class AnchorOutcome:
    """Receipts obtained and errors met while running a plan."""

    receipts: Mapping[str, AnchorReceipt]
    errors: Mapping[str, str]


def trust_anchors(settings: Settings) -> TrustAnchors:
    """What this hub trusts when it verifies receipts: its TSA roots and its EVM nodes."""
    certificates: list[x509.Certificate] = []
    if settings.ledger_tsa_roots is not None:
        certificates = x509.load_pem_x509_certificates(settings.ledger_tsa_roots.read_bytes())
    nodes: dict[int, str] = {}
    for url in settings.ledger_anchor_urls:
        parts = urlsplit(url)
        if parts.scheme.startswith("evm+"):
            chain = parse_qs(parts.query).get("chain_id", [""])[-1]
            if chain.isdigit():
                nodes[int(chain)] = f"{parts.scheme[4:]}://{parts.netloc}{parts.path or '/'}"
    return TrustAnchors(certificates=certificates, evm_nodes=nodes)


def build_sink(url: str, settings: Settings) -> AnchorSink:
    """Instantiate a sink from its URL with the options the settings hold for its kind."""
    scheme = urlsplit(url).scheme
    options: dict[str, object] = {}
    if scheme.startswith("rfc3161+"):
        options["trust"] = trust_anchors(settings)
    elif scheme.startswith("evm+") and settings.ledger_evm_private_key:
        options["private_key"] = settings.ledger_evm_private_key
    try:
        return by_url(url, **options)
    except (UnknownSinkError, ValueError) as exc:
        raise BadRequest(f"cannot use anchor sink {url}: {exc}", slug="ledger-bad-sink") from exc


def plan_anchoring(
    session: Session, settings: Settings, now: datetime, *, force: bool = False
) -> AnchorPlan | None:
    """The policy: anchor the latest checkpoint every interval or every N leaves, after backoff.

    ``force`` (an operator's "anchor now") skips the interval and the backoff.
    """
    state = store.peek_state(session)
    latest = store.latest_checkpoint(session)
    if state is None or latest is None or latest.size <= state.anchored_size:
        return None
    waiting = state.next_anchor_attempt_at is not None and now < state.next_anchor_attempt_at
    if waiting and not force:
        return None
    interval = timedelta(seconds=settings.ledger_anchor_interval_seconds)
    due = (
        latest.size - state.anchored_size >= settings.ledger_anchor_max_leaves
        or state.last_anchor_at is None
        or now - state.last_anchor_at >= interval
    )
    if not (due or force):
        return None
    held = {anchor.sink for anchor in store.anchors_for(session, latest.id)}
    missing = tuple(url for url in settings.ledger_anchor_urls if url not in held)
    return AnchorPlan(latest.id, latest.size, latest.note.encode(), missing)


def plan_reanchoring(session: Session, sink_url: str, size: int | None = None) -> AnchorPlan:
    """Anchor an existing checkpoint (the latest, or one of ``size``) to another sink.

    Used when a chain or a TSA is retired: old receipts stay, the checkpoint gains a new one.
    """
    checkpoint = (
        store.latest_checkpoint(session)
        if size is None
        else store.checkpoint_of_size(session, size)
    )
    if checkpoint is None:
        raise NotFound("no such checkpoint", slug="ledger-no-checkpoint")
    held = {anchor.sink for anchor in store.anchors_for(session, checkpoint.id)}
    sinks = () if sink_url in held else (sink_url,)
    return AnchorPlan(
        checkpoint.id, checkpoint.size, checkpoint.note.encode(), sinks, advances_policy=False
    )


def run_plan(plan: AnchorPlan, build: Callable[[str], AnchorSink]) -> AnchorOutcome:
    """Build and call each sink (network: hold no database transaction while doing it)."""
    receipts: dict[str, AnchorReceipt] = {}
    errors: dict[str, str] = {}
    for url in plan.sinks:
        try:
            receipts[url] = build(url).anchor(plan.note)
        except (AnchorError, ProblemError) as exc:
            errors[url] = str(exc)
    return AnchorOutcome(receipts, errors)


def record_outcome(
    session: Session, settings: Settings, plan: AnchorPlan, outcome: AnchorOutcome, now: datetime
) -> None:
    """Store receipts; advance the anchored size on full success, else back off exponentially."""
    for url, receipt in outcome.receipts.items():
        try:
            with session.begin_nested():
                session.add(
                    LedgerAnchor(
                        checkpoint_id=plan.checkpoint_id,
                        sink=url,
                        kind=receipt.kind,
                        receipt=receipt.model_dump(mode="json"),
                        anchored_at=now,
                    )
                )
        except IntegrityError:
            continue  # another anchorer stored a receipt from this sink first
    if not plan.advances_policy:
        return
    store.lock_sequencer(session)
    state = store.load_state(session)
    if outcome.errors:
        state.anchor_failures += 1
        delay = min(settings.ledger_anchor_retry_max_seconds, 2.0 ** min(state.anchor_failures, 16))
        state.next_anchor_attempt_at = now + timedelta(seconds=delay)
        state.last_anchor_error = "; ".join(f"{url}: {err}" for url, err in outcome.errors.items())
        return
    state.anchor_failures = 0
    state.next_anchor_attempt_at = None
    state.last_anchor_error = None
    state.last_anchor_at = now
    if plan.size > state.anchored_size:
        state.anchored_size = plan.size
        later = store.first_checkpoint_after(session, plan.size)
        state.unanchored_since = later.created_at if later is not None else None
