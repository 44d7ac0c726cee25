"""Ledger: leaves, stored subtree hashes, salts, checkpoints, anchors, sequencer state.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import app.storage.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

APPEND_ONLY = ("ledger_leaves", "ledger_nodes", "ledger_checkpoints")


def upgrade() -> None:
    op.create_table(
        "ledger_leaves",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_ledger_leaves")),
    )
    op.create_table(
        "ledger_nodes",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_nodes")),
    )
    op.create_table(
        "ledger_salts",
        sa.Column("start_idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("salts", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("start_idx", name=op.f("pk_ledger_salts")),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", app.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_checkpoints")),
        sa.UniqueConstraint("size", name=op.f("uq_ledger_checkpoints_size")),
    )
    with op.batch_alter_table("ledger_checkpoints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_checkpoints_created_at"), ["created_at"], unique=False
        )
    op.create_table(
        "ledger_anchors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("checkpoint_id", sa.Uuid(), nullable=False),
        sa.Column("sink", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column(
            "receipt",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("anchored_at", app.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["ledger_checkpoints.id"],
            name=op.f("fk_ledger_anchors_checkpoint_id_ledger_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_anchors")),
        sa.UniqueConstraint(
            "checkpoint_id", "sink", name=op.f("uq_ledger_anchors_checkpoint_id_sink")
        ),
    )
    with op.batch_alter_table("ledger_anchors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_anchors_checkpoint_id"), ["checkpoint_id"], unique=False
        )
    op.create_table(
        "ledger_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("last_event_seq", sa.BigInteger(), nullable=False),
        sa.Column("anchored_size", sa.BigInteger(), nullable=False),
        sa.Column("last_anchor_at", app.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("unanchored_since", app.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("anchor_failures", sa.Integer(), nullable=False),
        sa.Column(
            "next_anchor_attempt_at", app.storage.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_anchor_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_state")),
    )
    op.execute(
        "INSERT INTO ledger_state (id, size, last_event_seq, anchored_size, anchor_failures) "
        "VALUES (1, 0, 0, 0, 0)"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'ledger table % is append-only (% refused)', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'restrict_violation';
            END
            $$
            """
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ledger_append_only()")
    op.drop_table("ledger_state")
    with op.batch_alter_table("ledger_anchors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_anchors_checkpoint_id"))
    op.drop_table("ledger_anchors")
    with op.batch_alter_table("ledger_checkpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_checkpoints_created_at"))
    op.drop_table("ledger_checkpoints")
    op.drop_table("ledger_salts")
    op.drop_table("ledger_nodes")
    op.drop_table("ledger_leaves")
