"""Foundation: participants, clients, users, documents, events and the outbox.

Revision ID: 0001
Revises: 
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import app.storage.base

revision: str = '0001'
down_revision: str | None = None
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('client_assertions',
    sa.Column('jti', sa.String(length=200), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('expires_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('jti', 'client_id', name=op.f('pk_client_assertions'))
    )
    with op.batch_alter_table('client_assertions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_assertions_expires_at'), ['expires_at'], unique=False)

    op.create_table('event_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_chain_head'))
    )
    op.execute(
        "INSERT INTO event_chain_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')"
    )
    op.create_table('events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('time', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('participant_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('payload_sha256', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_events_hash')),
    sa.UniqueConstraint('seq', name=op.f('uq_events_seq'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_subject'), ['subject'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_time'), ['time'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('available_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', app.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('publish_attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_unpublished', ['published_at', 'available_at'], unique=False)

    op.create_table('participants',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participants'))
    )
    op.create_table('task_receipts',
    sa.Column('message_id', sa.Uuid(), nullable=False),
    sa.Column('handler', sa.String(length=200), nullable=False),
    sa.Column('done_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('message_id', 'handler', name=op.f('pk_task_receipts'))
    )
    op.create_table('api_clients',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('secret_hash', sa.String(length=200), nullable=True),
    sa.Column('public_jwk', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('scopes', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rotated_at', app.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_api_clients_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_clients')),
    sa.UniqueConstraint('client_id', name=op.f('uq_api_clients_client_id'))
    )
    with op.batch_alter_table('api_clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_clients_participant_id'), ['participant_id'], unique=False)

    op.create_table('dashboard_users',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', app.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_dashboard_users_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_users')),
    sa.UniqueConstraint('email', name=op.f('uq_dashboard_users_email'))
    )
    with op.batch_alter_table('dashboard_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_users_participant_id'), ['participant_id'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('doc_type', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('media_type', sa.String(length=200), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('provider_id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('document_date', sa.Date(), nullable=True),
    sa.Column('received_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('canonical_sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('provenance', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('warnings', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['participants.id'], name=op.f('fk_documents_owner_id_participants')),
    sa.ForeignKeyConstraint(['provider_id'], ['participants.id'], name=op.f('fk_documents_provider_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_canonical_sha256'), ['canonical_sha256'], unique=False)
        batch_op.create_index('ix_documents_owner_type_date', ['owner_id', 'doc_type', 'document_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_reference'), ['reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_sha256'), ['sha256'], unique=False)

    op.create_table('participant_identifiers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('scheme', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_participant_identifiers_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participant_identifiers')),
    sa.UniqueConstraint('scheme', 'value', name=op.f('uq_participant_identifiers_scheme_value'))
    )
    with op.batch_alter_table('participant_identifiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_identifiers_participant_id'), ['participant_id'], unique=False)

    op.create_table('participant_roles',
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_participant_roles_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('participant_id', 'role', name=op.f('pk_participant_roles'))
    )


def downgrade() -> None:
    op.drop_table('participant_roles')
    with op.batch_alter_table('participant_identifiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participant_identifiers_participant_id'))

    op.drop_table('participant_identifiers')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_sha256'))
        batch_op.drop_index(batch_op.f('ix_documents_reference'))
        batch_op.drop_index(batch_op.f('ix_documents_provider_id'))
        batch_op.drop_index('ix_documents_owner_type_date')
        batch_op.drop_index(batch_op.f('ix_documents_canonical_sha256'))

    op.drop_table('documents')
    with op.batch_alter_table('dashboard_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_users_participant_id'))

    op.drop_table('dashboard_users')
    with op.batch_alter_table('api_clients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_clients_participant_id'))

    op.drop_table('api_clients')
    op.drop_table('task_receipts')
    op.drop_table('participants')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unpublished')

    op.drop_table('outbox')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_time'))
        batch_op.drop_index(batch_op.f('ix_events_subject'))
        batch_op.drop_index(batch_op.f('ix_events_kind'))

    op.drop_table('events')
    op.drop_table('event_chain_head')
    with op.batch_alter_table('client_assertions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_assertions_expires_at'))

    op.drop_table('client_assertions')
