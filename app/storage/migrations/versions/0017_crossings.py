"""Crossings: remote consumers named in consents, and every document crossing to or from a peer.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.storage.base import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "remote_consumers",
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("peer_name", sa.String(length=100), nullable=False),
        sa.Column("consumer_ref", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_remote_consumers_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("participant_id", name=op.f("pk_remote_consumers")),
        sa.UniqueConstraint(
            "peer_name", "consumer_ref", name=op.f("uq_remote_consumers_peer_name_consumer_ref")
        ),
    )
    op.create_table(
        "crossings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("peer_name", sa.String(length=100), nullable=False),
        sa.Column("peer_jurisdiction", sa.String(length=2), nullable=True),
        sa.Column("consent_id", sa.Uuid(), nullable=True),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        sa.Column("doc_type", sa.String(length=64), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("participant_id", sa.Uuid(), nullable=True),
        sa.Column("remote_consumer", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("rule", sa.String(length=80), nullable=True),
        sa.Column("rules_version", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crossings")),
    )
    with op.batch_alter_table("crossings", schema=None) as batch_op:
        batch_op.create_index("ix_crossings_at", ["at", "id"], unique=False)
        batch_op.create_index("ix_crossings_peer_at", ["peer_name", "at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_crossings_participant_id"), ["participant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("crossings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crossings_participant_id"))
        batch_op.drop_index("ix_crossings_peer_at")
        batch_op.drop_index("ix_crossings_at")
    op.drop_table("crossings")
    op.drop_table("remote_consumers")
