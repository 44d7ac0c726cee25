"""Trust store of carrier and platform keys, eBL provenance and versions, PINT transfers.

Revision ID: 0012
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB with Text)
from sqlalchemy.dialects import postgresql
import app.storage.base

revision: str = '0012'
down_revision: str | None = "0011"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('trusted_keys',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('party_kind', sa.String(length=16), nullable=False),
    sa.Column('party_code', sa.String(length=100), nullable=False),
    sa.Column('code_list_provider', sa.String(length=16), nullable=False),
    sa.Column('kid', sa.String(length=200), nullable=False),
    sa.Column('kty', sa.String(length=8), nullable=False),
    sa.Column('alg', sa.String(length=16), nullable=True),
    sa.Column('jwk', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('thumbprint', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('not_before', app.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('not_after', app.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', app.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trusted_keys')),
    sa.UniqueConstraint('party_kind', 'party_code', 'code_list_provider', 'kid', name='uq_trusted_keys_party_kid')
    )
    with op.batch_alter_table('trusted_keys', schema=None) as batch_op:
        batch_op.create_index('ix_trusted_keys_kid', ['kid'], unique=False)

    op.create_table('pint_accounts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('code_list_provider', sa.String(length=100), nullable=False),
    sa.Column('party_code', sa.String(length=150), nullable=False),
    sa.Column('party_name', sa.String(length=70), nullable=False),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_pint_accounts_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pint_accounts')),
    sa.UniqueConstraint('code_list_provider', 'party_code', name=op.f('uq_pint_accounts_code_list_provider_party_code'))
    )
    with op.batch_alter_table('pint_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pint_accounts_participant_id'), ['participant_id'], unique=False)

    op.create_table('ebl_provenance',
    sa.Column('document_id', sa.Uuid(), nullable=False),
    sa.Column('label', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('carrier_code', sa.String(length=100), nullable=True),
    sa.Column('carrier_code_list_provider', sa.String(length=16), nullable=True),
    sa.Column('transport_document_reference', sa.String(length=100), nullable=True),
    sa.Column('transport_document_status', sa.String(length=50), nullable=True),
    sa.Column('document_checksum', sa.String(length=64), nullable=False),
    sa.Column('signer_kid', sa.String(length=200), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('verified_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_ebl_provenance_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_ebl_provenance'))
    )
    op.create_table('ebl_versions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('carrier_code', sa.String(length=100), nullable=False),
    sa.Column('carrier_code_list_provider', sa.String(length=16), nullable=False),
    sa.Column('transport_document_reference', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=50), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('document_id', sa.Uuid(), nullable=False),
    sa.Column('history', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('conflicts', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('holder', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('holder_platform', sa.String(length=4), nullable=True),
    sa.Column('updated_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_ebl_versions_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ebl_versions')),
    sa.UniqueConstraint('carrier_code', 'carrier_code_list_provider', 'transport_document_reference', name='uq_ebl_versions_carrier_reference')
    )
    op.create_table('pint_envelopes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('sending_platform', sa.String(length=4), nullable=False),
    sa.Column('transport_document_checksum', sa.String(length=64), nullable=False),
    sa.Column('transport_document_reference', sa.String(length=100), nullable=False),
    sa.Column('last_entry_checksum', sa.String(length=64), nullable=False),
    sa.Column('last_entry', sa.Text(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('manifest', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('recipient', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('response_code', sa.String(length=4), nullable=True),
    sa.Column('document_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', app.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['pint_accounts.id'], name=op.f('fk_pint_envelopes_account_id_pint_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_pint_envelopes_document_id_documents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pint_envelopes'))
    )
    with op.batch_alter_table('pint_envelopes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pint_envelopes_last_entry_checksum'), ['last_entry_checksum'], unique=False)
        batch_op.create_index('ix_pint_envelopes_td_state', ['transport_document_checksum', 'state'], unique=False)

    op.create_table('pint_transfers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('document_id', sa.Uuid(), nullable=False),
    sa.Column('instance_id', sa.Uuid(), nullable=False),
    sa.Column('transport_document_checksum', sa.String(length=64), nullable=False),
    sa.Column('target_platform', sa.String(length=4), nullable=False),
    sa.Column('action_code', sa.String(length=50), nullable=False),
    sa.Column('recipient', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('last_entry_checksum', sa.String(length=64), nullable=False),
    sa.Column('envelope', sa.LargeBinary(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('response_code', sa.String(length=4), nullable=True),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', app.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', app.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_pint_transfers_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instance_id'], ['connector_instances.id'], name=op.f('fk_pint_transfers_instance_id_connector_instances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_pint_transfers_participant_id_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pint_transfers'))
    )
    with op.batch_alter_table('pint_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pint_transfers_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pint_transfers_transport_document_checksum'), ['transport_document_checksum'], unique=False)

    op.create_table('pint_additional_documents',
    sa.Column('envelope_id', sa.Uuid(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('received_at', app.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['envelope_id'], ['pint_envelopes.id'], name=op.f('fk_pint_additional_documents_envelope_id_pint_envelopes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('envelope_id', 'checksum', name=op.f('pk_pint_additional_documents'))
    )
    op.create_table('pint_chain_entries',
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('transport_document_checksum', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('payload_checksum', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=4), nullable=False),
    sa.Column('entry', sa.Text(), nullable=False),
    sa.Column('envelope_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['envelope_id'], ['pint_envelopes.id'], name=op.f('fk_pint_chain_entries_envelope_id_pint_envelopes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('checksum', name=op.f('pk_pint_chain_entries'))
    )
    with op.batch_alter_table('pint_chain_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pint_chain_entries_transport_document_checksum'), ['transport_document_checksum'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('pint_chain_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pint_chain_entries_transport_document_checksum'))

    op.drop_table('pint_chain_entries')
    op.drop_table('pint_additional_documents')
    with op.batch_alter_table('pint_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pint_transfers_transport_document_checksum'))
        batch_op.drop_index(batch_op.f('ix_pint_transfers_participant_id'))

    op.drop_table('pint_transfers')
    with op.batch_alter_table('pint_envelopes', schema=None) as batch_op:
        batch_op.drop_index('ix_pint_envelopes_td_state')
        batch_op.drop_index(batch_op.f('ix_pint_envelopes_last_entry_checksum'))

    op.drop_table('pint_envelopes')
    op.drop_table('ebl_versions')
    op.drop_table('ebl_provenance')
    with op.batch_alter_table('pint_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pint_accounts_participant_id'))

    op.drop_table('pint_accounts')
    with op.batch_alter_table('trusted_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_trusted_keys_kid')

    op.drop_table('trusted_keys')
