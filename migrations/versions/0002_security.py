"""security: personal-data keys, audit trail, sign-in throttling

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Whoever talks to the database (the service, a person with psql), the audit trail only grows.
AUDIT_APPEND_ONLY = (
    """
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$""",
    """
CREATE TRIGGER audit_event_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    """
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
)

# A data key may be re-wrapped or destroyed, never restored after erasure, and its row stays
# because her records (amounts, dates) still refer to it.
DATA_KEY_GUARD = (
    """
CREATE FUNCTION personal_data_key_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'personal_data_key rows are kept: erase the key instead'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.erased_at IS NOT NULL THEN
        RAISE EXCEPTION 'an erased data key cannot be changed'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$""",
    """
CREATE TRIGGER personal_data_key_guard BEFORE UPDATE OR DELETE ON personal_data_key
    FOR EACH ROW EXECUTE FUNCTION personal_data_key_guard()""",
    """
CREATE TRIGGER personal_data_key_no_truncate BEFORE TRUNCATE ON personal_data_key
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
)


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("actor_username", sa.String(length=100), nullable=True),
        sa.Column("actor_scopes", sa.String(length=1000), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("subject_type", sa.String(length=50), nullable=False),
        sa.Column("subject_id", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_event_prev_hash")),
    )
    op.create_index(op.f("ix_audit_event_action"), "audit_event", ["action"], unique=False)
    op.create_index(
        "ix_audit_event_subject", "audit_event", ["subject_type", "subject_id"], unique=False
    )
    op.create_table(
        "personal_data_key",
        sa.Column("subject_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("master_kid", sa.String(length=64), nullable=True),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(wrapped_key IS NULL) = (erased_at IS NOT NULL)",
            name=op.f("ck_personal_data_key_erased_means_no_key"),
        ),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_personal_data_key")),
    )
    op.create_table(
        "sign_in_failures",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('user', 'address')", name=op.f("ck_sign_in_failures_kind_known")
        ),
        sa.PrimaryKeyConstraint("kind", "key_hash", name=op.f("pk_sign_in_failures")),
    )
    for statement in (*AUDIT_APPEND_ONLY, *DATA_KEY_GUARD):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("sign_in_failures")
    op.drop_table("personal_data_key")
    op.drop_index("ix_audit_event_subject", table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_action"), table_name="audit_event")
    op.drop_table("audit_event")
    op.execute("DROP FUNCTION personal_data_key_guard()")
    op.execute("DROP FUNCTION audit_event_append_only()")
