"""Events are appended unchained; the sequencer links them.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_UNCHAINED = sa.text("seq IS NULL")
_CHAIN_COLUMNS: dict[str, sa.types.TypeEngine[Any]] = {"seq": sa.BigInteger(), "prev_hash": sa.String(64), "hash": sa.String(64)}


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        for column, type_ in _CHAIN_COLUMNS.items():
            batch_op.alter_column(column, existing_type=type_, nullable=True)
        batch_op.create_index(
            "ix_events_unchained",
            ["time", "id"],
            unique=False,
            postgresql_where=_UNCHAINED,
            sqlite_where=_UNCHAINED,
        )


def downgrade() -> None:
    # Unchained events cannot satisfy NOT NULL: run the sequencer until none waits first.
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_unchained")
        for column, type_ in _CHAIN_COLUMNS.items():
            batch_op.alter_column(column, existing_type=type_, nullable=False)
