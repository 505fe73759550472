"""audit: lines are linked into their chain while PostgreSQL commits, not before

Revision ID: 0029
Revises: 0028

`audit_append` takes its chain's lock and keeps it until the transaction ends. The service called
it just before COMMIT, so every chain's lock was held across two round trips to the service and
whatever kept the service from sending the COMMIT (a busy event loop, CPUs shared with others):
under 50 users, every write of a country queued behind that lock for seconds, and every row lock
its writers held (a claim's number, a fund's balance) queued with it.

The service now inserts its lines into `audit_pending` (no lock: UNLOGGED, rows never outlive
their transaction), and a deferred constraint trigger links them with `audit_append` while
PostgreSQL commits: the chain's lock is held for the link and the WAL flush only. The first
firing in a transaction links all its pending lines in the order of their chain's key (then of
writing), so two transactions that write to the same two chains take the locks in one order and
cannot deadlock; later firings find nothing left. What a line guarantees is unchanged: it is in
its chain, linked to the line before, exactly when its transaction committed.
"""

from collections.abc import Sequence

import advanced_alchemy.types.guid
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINK_PENDING = """
CREATE FUNCTION audit_link_pending() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    line audit_pending;
    linked bigint[] := '{}';
BEGIN
    FOR line IN SELECT * FROM audit_pending ORDER BY chain, id LOOP
        PERFORM audit_append(line.chain, line.occurred_at, line.actor_id, line.actor_username,
            line.actor_scopes, line.action, line.subject_type, line.subject_id, line.reason,
            line.remote_addr, line.request_id, line.details, line.body);
        linked := linked || line.id;
    END LOOP;
    DELETE FROM audit_pending WHERE id = ANY (linked);
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("chain", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("actor_username", sa.Text(), nullable=True),
        sa.Column("actor_scopes", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("subject_type", sa.Text(), nullable=False),
        sa.Column("subject_id", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("remote_addr", sa.Text(), nullable=True),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_pending")),
        prefixes=["UNLOGGED"],
    )
    op.execute(LINK_PENDING)
    op.execute(
        "CREATE CONSTRAINT TRIGGER audit_pending_link AFTER INSERT ON audit_pending "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_link_pending()"
    )


def downgrade() -> None:
    op.drop_table("audit_pending")
    op.execute("DROP FUNCTION audit_link_pending()")
