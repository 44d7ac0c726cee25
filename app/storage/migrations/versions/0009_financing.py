"""Financing registrations, their keyed fingerprints and the probe counter of checks.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB with Text)
from sqlalchemy.dialects import postgresql
import app.storage.base

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('financing_probes',
    sa.Column('lender_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lender_id'], ['participants.id'], name=op.f('fk_financing_probes_lender_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('lender_id', 'day', 'document_sha256', name=op.f('pk_financing_probes'))
    )
    op.create_table('financing_registrations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('lender_id', sa.Uuid(), nullable=False),
    sa.Column('document_id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('doc_type', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.String(length=32), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('maturity', sa.Date(), nullable=False),
    sa.Column('expires_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lender_reference', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('assessment', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_financing_registrations_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lender_id'], ['participants.id'], name=op.f('fk_financing_registrations_lender_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['participants.id'], name=op.f('fk_financing_registrations_owner_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financing_registrations'))
    )
    with op.batch_alter_table('financing_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_financing_registrations_document_id'), ['document_id'], unique=False)
        batch_op.create_index('ix_financing_registrations_lender_created', ['lender_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_financing_registrations_open_expiry', ['state', 'expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_financing_registrations_owner_id'), ['owner_id'], unique=False)

    op.create_table('financing_fingerprints',
    sa.Column('value', sa.LargeBinary(length=32), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('registration_id', sa.Uuid(), nullable=False),
    sa.Column('definition', sa.String(length=64), nullable=False),
    sa.Column('match', sa.String(length=16), nullable=False),
    sa.Column('lender_id', sa.Uuid(), nullable=False),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('expires_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['financing_registrations.id'], name=op.f('fk_financing_fingerprints_registration_id_financing_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('value', 'key_id', 'registration_id', name=op.f('pk_financing_fingerprints'))
    )
    with op.batch_alter_table('financing_fingerprints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_financing_fingerprints_registration_id'), ['registration_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('financing_fingerprints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_financing_fingerprints_registration_id'))

    op.drop_table('financing_fingerprints')
    with op.batch_alter_table('financing_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_financing_registrations_owner_id'))
        batch_op.drop_index('ix_financing_registrations_open_expiry')
        batch_op.drop_index('ix_financing_registrations_lender_created')
        batch_op.drop_index(batch_op.f('ix_financing_registrations_document_id'))

    op.drop_table('financing_registrations')
    op.drop_table('financing_probes')
