"""audit: one call appends a line to the hash chain

Revision ID: 0007
Revises: 0006

Every write request ends with an audit line, and appending one took three statements (take the
chain's lock, read the last hash, insert) while holding a lock every writer waits for.
`audit_append` does the three in one call. Each statement of a PL/pgSQL function takes a fresh
snapshot, so the last hash is read after the lock is held (as the separate statements did). The
service computes the line's canonical serialisation, and the function links it to the chain:
hash = SHA-256(prev_hash, a newline, the serialisation), the formula `verify_chain` recomputes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_APPEND = """
CREATE FUNCTION audit_append(
    lock_key bigint,
    occurred_at timestamptz,
    actor_id uuid,
    actor_username text,
    actor_scopes text,
    action text,
    subject_type text,
    subject_id text,
    reason text,
    remote_addr text,
    request_id text,
    details jsonb,
    body bytea
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    prev text;
BEGIN
    -- Held until the caller's transaction ends, so concurrent appends cannot fork the chain.
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT e.hash INTO prev FROM audit_event e ORDER BY e.seq DESC LIMIT 1;
    prev := coalesce(prev, repeat('0', 64));
    INSERT INTO audit_event (occurred_at, actor_id, actor_username, actor_scopes, action,
        subject_type, subject_id, reason, remote_addr, request_id, details, prev_hash, hash)
    VALUES (occurred_at, actor_id, actor_username, actor_scopes, action, subject_type,
        subject_id, reason, remote_addr, request_id, details, prev,
        encode(sha256(convert_to(prev, 'UTF8') || '\\x0a'::bytea || body), 'hex'));
END $$
"""


def upgrade() -> None:
    op.execute(AUDIT_APPEND)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION audit_append(bigint, timestamptz, uuid, text, text, text, text, text, "
        "text, text, text, jsonb, bytea)"
    )
