"""Financing: lock a registration's fingerprints and read the open ones sharing them in one call.

A registration serialises with any other sharing a fingerprint (transaction advisory locks),
then reads the open registrations sharing them. As one SQL statement the read would use the
snapshot taken when the statement started, before the lock wait, and miss a registration
committed by the lock's previous holder. A VOLATILE PL/pgSQL function takes a fresh snapshot
for each statement it runs, so the read after the lock sees that registration, as the two
statements did, in one round trip.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION financing_lock_and_match(
            lock_keys bigint[], fingerprint_values bytea[], open_at timestamptz
        )
        RETURNS TABLE (
            fp_value bytea,
            fp_key_id varchar,
            fp_registration_id uuid,
            fp_lender_id uuid,
            fp_definition varchar,
            fp_match varchar
        )
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(k) FROM unnest(lock_keys) AS k ORDER BY k;
            RETURN QUERY
                SELECT f.value, f.key_id, f.registration_id, f.lender_id, f.definition, f.match
                FROM financing_fingerprints AS f
                WHERE f.value = ANY (fingerprint_values) AND f.open AND f.expires_at > open_at;
        END
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS financing_lock_and_match(bigint[], bytea[], timestamptz)")
