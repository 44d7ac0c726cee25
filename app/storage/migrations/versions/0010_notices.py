"""Notices with acknowledgement deadlines, deletion obligations, receipts and their nonces.

Revision ID: 0010
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB with Text)
from sqlalchemy.dialects import postgresql
import app.storage.base

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('deletion_obligations',
    sa.Column('consent_id', sa.Uuid(), nullable=False),
    sa.Column('consumer_id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('documents', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('due_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('receipt_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_deletion_obligations_consent_id_consents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consumer_id'], ['participants.id'], name=op.f('fk_deletion_obligations_consumer_id_participants')),
    sa.ForeignKeyConstraint(['owner_id'], ['participants.id'], name=op.f('fk_deletion_obligations_owner_id_participants')),
    sa.PrimaryKeyConstraint('consent_id', name=op.f('pk_deletion_obligations'))
    )
    with op.batch_alter_table('deletion_obligations', schema=None) as batch_op:
        batch_op.create_index('ix_deletion_obligations_consumer_unfiled', ['consumer_id', 'due_at'], unique=False, postgresql_where=sa.text('receipt_id IS NULL'), sqlite_where=sa.text('receipt_id IS NULL'))

    op.create_table('deletion_receipts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('consent_id', sa.Uuid(), nullable=False),
    sa.Column('consumer_id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('jws', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('algorithm', sa.String(length=8), nullable=False),
    sa.Column('key_thumbprint', sa.String(length=64), nullable=False),
    sa.Column('public_jwk', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('deleted_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('documents', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('filed_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('filed_by', sa.String(length=200), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_deletion_receipts_consent_id_consents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consumer_id'], ['participants.id'], name=op.f('fk_deletion_receipts_consumer_id_participants')),
    sa.ForeignKeyConstraint(['owner_id'], ['participants.id'], name=op.f('fk_deletion_receipts_owner_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deletion_receipts')),
    sa.UniqueConstraint('consent_id', name=op.f('uq_deletion_receipts_consent_id'))
    )
    op.create_table('notices',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('consent_id', sa.Uuid(), nullable=False),
    sa.Column('consumer_id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('consent_status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('issued_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', app.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_notices_consent_id_consents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consumer_id'], ['participants.id'], name=op.f('fk_notices_consumer_id_participants')),
    sa.ForeignKeyConstraint(['owner_id'], ['participants.id'], name=op.f('fk_notices_owner_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    sa.UniqueConstraint('event_id', name=op.f('uq_notices_event_id'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_consent_id'), ['consent_id'], unique=False)
        batch_op.create_index('ix_notices_consumer_issued', ['consumer_id', 'issued_at', 'id'], unique=False)
        batch_op.create_index('ix_notices_consumer_unacknowledged', ['consumer_id', 'due_at'], unique=False, postgresql_where=sa.text('acknowledged_at IS NULL'), sqlite_where=sa.text('acknowledged_at IS NULL'))

    op.create_table('receipt_nonces',
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('consent_id', sa.Uuid(), nullable=False),
    sa.Column('consumer_id', sa.Uuid(), nullable=False),
    sa.Column('issued_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', app.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_receipt_nonces_consent_id_consents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consumer_id'], ['participants.id'], name=op.f('fk_receipt_nonces_consumer_id_participants')),
    sa.PrimaryKeyConstraint('value', name=op.f('pk_receipt_nonces'))
    )
    with op.batch_alter_table('receipt_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_nonces_consent_id'), ['consent_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('receipt_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_nonces_consent_id'))

    op.drop_table('receipt_nonces')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_consumer_unacknowledged', postgresql_where=sa.text('acknowledged_at IS NULL'), sqlite_where=sa.text('acknowledged_at IS NULL'))
        batch_op.drop_index('ix_notices_consumer_issued')
        batch_op.drop_index(batch_op.f('ix_notices_consent_id'))

    op.drop_table('notices')
    op.drop_table('deletion_receipts')
    with op.batch_alter_table('deletion_obligations', schema=None) as batch_op:
        batch_op.drop_index('ix_deletion_obligations_consumer_unfiled', postgresql_where=sa.text('receipt_id IS NULL'), sqlite_where=sa.text('receipt_id IS NULL'))

    op.drop_table('deletion_obligations')
