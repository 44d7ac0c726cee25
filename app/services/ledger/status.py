"""What an operator wants to see of the transparency log: size, anchoring state, receipts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.ledger import store
from app.services.ledger.log import anchoring_lag_seconds
from app.storage.models import LedgerAnchor, LedgerCheckpoint


@dataclass(frozen=True)
class SinkReceipt:
    """The newest anchor a sink returned, and the tree size it covers."""

    sink: str
    kind: str
    size: int
    anchored_at: datetime
    receipt: dict[str, object]
    count: int


@dataclass(frozen=True)
class LedgerStatus:
    size: int
    anchored_size: int
    lag_seconds: float
    last_anchor_at: datetime | None
    last_anchor_error: str | None
    anchor_failures: int
    checkpoint: LedgerCheckpoint | None
    receipts: list[SinkReceipt]


def latest_receipts(session: Session) -> list[SinkReceipt]:
    """Per sink: its newest receipt (by covered tree size) and how many it has issued."""
    ranked = (
        sa.select(
            LedgerAnchor.id,
            sa.func.row_number()
            .over(
                partition_by=LedgerAnchor.sink,
                order_by=(LedgerCheckpoint.size.desc(), LedgerAnchor.anchored_at.desc()),
            )
            .label("rank"),
            sa.func.count().over(partition_by=LedgerAnchor.sink).label("total"),
        )
        .join(LedgerCheckpoint, LedgerCheckpoint.id == LedgerAnchor.checkpoint_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(LedgerAnchor, LedgerCheckpoint.size, ranked.c.total)
        .join(ranked, ranked.c.id == LedgerAnchor.id)
        .join(LedgerCheckpoint, LedgerCheckpoint.id == LedgerAnchor.checkpoint_id)
        .where(ranked.c.rank == 1)
        .order_by(LedgerAnchor.sink)
    ).all()
    return [
        SinkReceipt(a.sink, a.kind, size, a.anchored_at, dict(a.receipt), int(total))
        for a, size, total in rows
    ]


def ledger_status(session: Session) -> LedgerStatus:
    state = store.peek_state(session)
    return LedgerStatus(
        size=state.size if state else 0,
        anchored_size=state.anchored_size if state else 0,
        lag_seconds=anchoring_lag_seconds(session),
        last_anchor_at=state.last_anchor_at if state else None,
        last_anchor_error=state.last_anchor_error if state else None,
        anchor_failures=state.anchor_failures if state else 0,
        checkpoint=store.latest_checkpoint(session),
        receipts=latest_receipts(session),
    )
