"""Connectors: instances, routing rules, notifications, deliveries and the events-feed cursor.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB with Text)
from sqlalchemy.dialects import postgresql
import app.storage.base

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('connector_instances',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('connector', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('config', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('disabled_reason', sa.String(length=500), nullable=True),
    sa.Column('poll_inbound', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_connector_instances_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connector_instances')),
    sa.UniqueConstraint('participant_id', 'name', name=op.f('uq_connector_instances_participant_id_name'))
    )
    with op.batch_alter_table('connector_instances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connector_instances_participant_id'), ['participant_id'], unique=False)

    op.create_table('feed_cursors',
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('head_seq', sa.BigInteger(), nullable=False),
    sa.Column('acked_seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_feed_cursors_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('participant_id', name=op.f('pk_feed_cursors'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=False),
    sa.Column('document_id', sa.Uuid(), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_notifications_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('participant_id', 'seq', name=op.f('uq_notifications_participant_id_seq')),
    sa.UniqueConstraint('participant_id', 'source_key', name=op.f('uq_notifications_participant_id_source_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_document_id'), ['document_id'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('notification_id', sa.Uuid(), nullable=False),
    sa.Column('instance_id', sa.Uuid(), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('schedule_seq', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=1000), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('next_attempt_at', app.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', app.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['connector_instances.id'], name=op.f('fk_deliveries_instance_id_connector_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_deliveries_notification_id_notifications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_deliveries_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('notification_id', 'instance_id', name=op.f('uq_deliveries_notification_id_instance_id'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliveries_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index('ix_deliveries_status_next', ['status', 'next_attempt_at'], unique=False)

    op.create_table('subscriptions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('instance_id', sa.Uuid(), nullable=False),
    sa.Column('topics', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('document_types', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('owner_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('include_content', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['connector_instances.id'], name=op.f('fk_subscriptions_instance_id_connector_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_subscriptions_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions'))
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriptions_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_participant_id'), ['participant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriptions_participant_id'))
        batch_op.drop_index(batch_op.f('ix_subscriptions_instance_id'))

    op.drop_table('subscriptions')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_status_next')
        batch_op.drop_index(batch_op.f('ix_deliveries_participant_id'))
        batch_op.drop_index(batch_op.f('ix_deliveries_instance_id'))

    op.drop_table('deliveries')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_document_id'))

    op.drop_table('notifications')
    op.drop_table('feed_cursors')
    with op.batch_alter_table('connector_instances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connector_instances_participant_id'))

    op.drop_table('connector_instances')
