"""audit: one hash chain per country, so writers in two countries never wait for each other

Revision ID: 0024
Revises: 0023

Every write request appended its audit line under one transaction-scoped advisory lock held
until commit, so every writer of every country queued behind the others' append and commit.
Each line now names its chain (`chain`: a country code, or `global` for lines that concern no
one country: sign-ins of regional users, user administration, and every line written before
this migration). `audit_append` takes a lock for that chain only, links the line to the newest
line of the same chain and inserts it; `prev_hash` is unique per chain, so a chain still cannot
fork, even under snapshot isolation. Existing lines keep their hashes: they form the `global`
chain, whose links are unchanged.

Within a chain a line's `seq` is drawn while the chain's lock is held, so `seq` orders each chain
as it was linked; a transaction that appends to several chains takes their locks in the order of
their keys (the service sorts its queued lines), so two such transactions cannot deadlock.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_SIGNATURE = (
    "audit_append(bigint, timestamptz, uuid, text, text, text, text, text, text, text, text, "
    "jsonb, bytea)"
)
_NEW_SIGNATURE = (
    "audit_append(text, timestamptz, uuid, text, text, text, text, text, text, text, text, "
    "jsonb, bytea)"
)

AUDIT_APPEND = """
CREATE FUNCTION audit_append(
    chain_key text,
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
    -- Held until the caller's transaction ends, so concurrent appends to one chain cannot fork
    -- it; another chain's writers take another lock ("audi" and the chain key's hash).
    PERFORM pg_advisory_xact_lock(1635083369, hashtext(chain_key));
    SELECT e.hash INTO prev FROM audit_event e
        WHERE e.chain = chain_key ORDER BY e.seq DESC LIMIT 1;
    prev := coalesce(prev, repeat('0', 64));
    INSERT INTO audit_event (chain, occurred_at, actor_id, actor_username, actor_scopes, action,
        subject_type, subject_id, reason, remote_addr, request_id, details, prev_hash, hash)
    VALUES (chain_key, occurred_at, actor_id, actor_username, actor_scopes, action,
        subject_type, subject_id, reason, remote_addr, request_id, details, prev,
        encode(sha256(convert_to(prev, 'UTF8') || '\\x0a'::bytea || body), 'hex'));
END $$
"""

_ONE_CHAIN_APPEND = """
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
"""Migration 0007's function, restored by the downgrade."""


def upgrade() -> None:
    op.execute(
        "ALTER TABLE audit_event ADD COLUMN chain varchar(10) NOT NULL DEFAULT 'global' "
        "CONSTRAINT ck_audit_event_chain_known CHECK (chain = 'global' OR chain ~ '^[A-Z]{2}$')"
    )
    op.execute("ALTER TABLE audit_event ALTER COLUMN chain DROP DEFAULT")
    op.execute("ALTER TABLE audit_event DROP CONSTRAINT uq_audit_event_prev_hash")
    op.execute(
        "ALTER TABLE audit_event ADD CONSTRAINT uq_audit_event_chain_prev_hash "
        "UNIQUE (chain, prev_hash)"
    )
    op.execute("CREATE INDEX ix_audit_event_chain_seq ON audit_event (chain, seq)")
    op.execute(f"DROP FUNCTION {_OLD_SIGNATURE}")
    op.execute(AUDIT_APPEND)


def downgrade() -> None:
    # One chain again only if no line was written to a country's chain.
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM audit_event WHERE chain <> 'global') THEN "
        "RAISE EXCEPTION 'audit lines in per-country chains cannot join one chain'; "
        "END IF; END $$"
    )
    op.execute(f"DROP FUNCTION {_NEW_SIGNATURE}")
    op.execute("DROP INDEX ix_audit_event_chain_seq")
    op.execute("ALTER TABLE audit_event DROP CONSTRAINT uq_audit_event_chain_prev_hash")
    op.execute("ALTER TABLE audit_event ADD CONSTRAINT uq_audit_event_prev_hash UNIQUE (prev_hash)")
    op.execute("ALTER TABLE audit_event DROP COLUMN chain")
    op.execute(_ONE_CHAIN_APPEND)
