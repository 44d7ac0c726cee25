"""Federation: the hub's name and jurisdiction, peer hubs, and spent peer assertions.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.storage.base import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hub_identity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("jurisdiction", sa.String(length=2), nullable=True))
    op.create_table(
        "peers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("jurisdiction", sa.String(length=2), nullable=False),
        sa.Column("log_origin", sa.String(length=500), nullable=False),
        sa.Column("log_key", sa.String(length=500), nullable=False),
        sa.Column(
            "jwks",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("api_base", sa.String(length=500), nullable=False),
        sa.Column("witness_endpoint", sa.String(length=500), nullable=True),
        sa.Column("metadata_note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peers")),
        sa.UniqueConstraint("issuer", name=op.f("uq_peers_issuer")),
        sa.UniqueConstraint("name", name=op.f("uq_peers_name")),
    )
    op.create_table(
        "peer_assertions",
        sa.Column("peer_id", sa.Uuid(), nullable=False),
        sa.Column("jti", sa.String(length=200), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["peers.id"],
            name=op.f("fk_peer_assertions_peer_id_peers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("peer_id", "jti", name=op.f("pk_peer_assertions")),
    )
    with op.batch_alter_table("peer_assertions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_peer_assertions_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("peer_assertions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_assertions_expires_at"))
    op.drop_table("peer_assertions")
    op.drop_table("peers")
    with op.batch_alter_table("hub_identity", schema=None) as batch_op:
        batch_op.drop_column("jurisdiction")
        batch_op.drop_column("name")
