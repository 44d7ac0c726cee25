"""Consents: artefacts, transition history, fetch counters; documents listed by owner.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB with Text)
from sqlalchemy.dialects import postgresql
import app.storage.base

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('consents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('consumer_id', sa.Uuid(), nullable=False),
    sa.Column('provider_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('document_types', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('purpose_code', sa.String(length=64), nullable=False),
    sa.Column('purpose_text', sa.String(length=500), nullable=False),
    sa.Column('data_from', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('data_to', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_from', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_until', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fetch_type', sa.String(length=16), nullable=False),
    sa.Column('frequency_count', sa.Integer(), nullable=True),
    sa.Column('frequency_unit', sa.String(length=8), nullable=True),
    sa.Column('data_life_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.String(length=500), nullable=True),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('request_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('artefact_jws', sa.Text(), nullable=True),
    sa.Column('artefact_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['consumer_id'], ['participants.id'], name=op.f('fk_consents_consumer_id_participants')),
    sa.ForeignKeyConstraint(['owner_id'], ['participants.id'], name=op.f('fk_consents_owner_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents')),
    sa.UniqueConstraint('consumer_id', 'idempotency_key', name=op.f('uq_consents_consumer_id_idempotency_key'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index('ix_consents_consumer_created', ['consumer_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_consents_owner_created', ['owner_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_consents_status_valid_until', ['status', 'valid_until'], unique=False)

    op.create_table('consent_access_counters',
    sa.Column('consent_id', sa.Uuid(), nullable=False),
    sa.Column('document_key', sa.Uuid(), nullable=False),
    sa.Column('resource', sa.String(length=16), nullable=False),
    sa.Column('window_key', sa.String(length=32), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('window_end', app.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_consent_access_counters_consent_id_consents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('consent_id', 'document_key', 'resource', 'window_key', name=op.f('pk_consent_access_counters'))
    )
    with op.batch_alter_table('consent_access_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_access_counters_window_end'), ['window_end'], unique=False)

    op.create_table('consent_transitions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('consent_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=True),
    sa.Column('target', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_consent_transitions_consent_id_consents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_transitions'))
    )
    with op.batch_alter_table('consent_transitions', schema=None) as batch_op:
        batch_op.create_index('ix_consent_transitions_consent_at', ['consent_id', 'at'], unique=False)

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_owner_received', ['owner_id', 'received_at', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_owner_received')

    with op.batch_alter_table('consent_transitions', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_transitions_consent_at')

    op.drop_table('consent_transitions')
    with op.batch_alter_table('consent_access_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_access_counters_window_end'))

    op.drop_table('consent_access_counters')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index('ix_consents_status_valid_until')
        batch_op.drop_index('ix_consents_owner_created')
        batch_op.drop_index('ix_consents_consumer_created')

    op.drop_table('consents')
