"""web: sessions kept on the server

Revision ID: 0023
Revises: 0022

`web_session` holds each signed-in browser (the SHA-256 of its cookie's secret, never the
secret), so signing out ends the session for whoever holds a copy of the cookie, and inactivity
is measured by the server. A trigger ends a user's sessions when a password reset, a disable or
a role change sets `tokens_valid_after` or clears `is_active`, whoever writes the change.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

END_SESSIONS = """
CREATE FUNCTION web_session_end_with_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.tokens_valid_after IS DISTINCT FROM OLD.tokens_valid_after
       OR (OLD.is_active AND NOT NEW.is_active) THEN
        DELETE FROM web_session WHERE user_id = NEW.id;
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("secret_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idle_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "octet_length(secret_hash) = 32", name=op.f("ck_web_session_secret_hash_is_sha256")
        ),
        sa.CheckConstraint(
            "idle_until <= ends_at", name=op.f("ck_web_session_idle_within_lifetime")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_web_session_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("secret_hash", name=op.f("pk_web_session")),
    )
    op.create_index(op.f("ix_web_session_user_id"), "web_session", ["user_id"], unique=False)
    op.create_index(op.f("ix_web_session_idle_until"), "web_session", ["idle_until"], unique=False)
    op.execute(END_SESSIONS)
    op.execute(
        "CREATE TRIGGER web_session_end_with_tokens AFTER UPDATE OF tokens_valid_after, is_active "
        "ON user_account FOR EACH ROW EXECUTE FUNCTION web_session_end_with_tokens()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER web_session_end_with_tokens ON user_account")
    op.execute("DROP FUNCTION web_session_end_with_tokens()")
    op.drop_index(op.f("ix_web_session_idle_until"), table_name="web_session")
    op.drop_index(op.f("ix_web_session_user_id"), table_name="web_session")
    op.drop_table("web_session")
