"""Intake: provider mandates and idempotency keys.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.storage.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "provider_mandates",
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["participants.id"],
            name=op.f("fk_provider_mandates_provider_id_participants"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["participants.id"],
            name=op.f("fk_provider_mandates_owner_id_participants"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("provider_id", "owner_id", name=op.f("pk_provider_mandates")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", app.storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["participants.id"],
            name=op.f("fk_idempotency_keys_provider_id_participants"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("provider_id", "key", name=op.f("pk_idempotency_keys")),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("provider_mandates")
