"""Connector state: encrypted per-instance values and once-only claims for stateful connectors.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.storage.base import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connector_state",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("claimed_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["connector_instances.id"],
            name=op.f("fk_connector_state_instance_id_connector_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_state")),
        sa.UniqueConstraint("instance_id", "key", name=op.f("uq_connector_state_instance_id_key")),
    )
    with op.batch_alter_table("connector_state", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connector_state_instance_id"), ["instance_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("connector_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connector_state_instance_id"))
    op.drop_table("connector_state")
