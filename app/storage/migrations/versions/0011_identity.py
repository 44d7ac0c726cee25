"""The hub's identity (issuer, log origin, log key), stored with its data at creation.

Revision ID: 0011
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.storage.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_identity",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("ledger_origin", sa.String(length=500), nullable=False),
        sa.Column("log_key", sa.String(length=500), nullable=False),
        sa.Column("created_at", app.storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_hub_identity_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_identity")),
    )


def downgrade() -> None:
    op.drop_table("hub_identity")
