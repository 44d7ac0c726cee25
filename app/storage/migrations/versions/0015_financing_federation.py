"""OPRF outputs of open financing registrations, for cross-border duplicate checks.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.storage.base import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "financing_oprf_outputs",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("value", sa.LargeBinary(length=64), nullable=False),
        sa.Column("registration_id", sa.Uuid(), nullable=False),
        sa.Column("definition", sa.String(length=64), nullable=False),
        sa.Column("match", sa.String(length=16), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["financing_registrations.id"],
            name=op.f("fk_financing_oprf_outputs_registration_id_financing_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "key_id", "value", "registration_id", name=op.f("pk_financing_oprf_outputs")
        ),
    )
    with op.batch_alter_table("financing_oprf_outputs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_financing_oprf_outputs_registration_id"),
            ["registration_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("financing_oprf_outputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_financing_oprf_outputs_registration_id"))
    op.drop_table("financing_oprf_outputs")
