"""Outbox rows record when their handlers have all run, so lost publishes are redelivered.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.storage.base import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_UNDISPATCHED = sa.text("dispatched_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dispatched_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_outbox_undispatched",
            ["published_at"],
            unique=False,
            postgresql_where=_UNDISPATCHED,
            sqlite_where=_UNDISPATCHED,
        )
    # A published row that a handler applied counts as dispatched (every topic has one
    # handler so far); one published but never applied was lost and is redelivered.
    op.execute(
        "UPDATE outbox SET dispatched_at = published_at WHERE published_at IS NOT NULL"
        " AND EXISTS (SELECT 1 FROM task_receipts WHERE task_receipts.message_id = outbox.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_undispatched")
        batch_op.drop_column("dispatched_at")
