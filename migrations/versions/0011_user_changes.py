"""security: separation of duties for user changes

Revision ID: 0011
Revises: 0010

- `user_account_change` keeps every change to an account (for her to see, and for the
  auditors); a grant that reaches personal data or money, and a new password of an account
  that holds one, wait there until a second superuser confirms.
- `user_account.tokens_valid_after` ends every token issued before a password reset, a disable
  or a role change.
- A trigger on `role_grant` refuses, whoever writes, an account that is a superuser and holds a
  role reaching personal data or money, and one that is both legal adviser and administrator in
  one country.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANT_RULES = """
CREATE FUNCTION role_grant_separation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM role_grant s JOIN role_grant d USING (user_id)
               WHERE s.user_id = NEW.user_id AND s.role = 'superuser'
                 AND d.role IN ('legal_adviser', 'administrator', 'auditor')) THEN
        RAISE EXCEPTION 'a superuser holds no role that reaches personal data or money'
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM role_grant a JOIN role_grant l USING (user_id, country)
               WHERE a.user_id = NEW.user_id AND a.role = 'administrator'
                 AND l.role = 'legal_adviser') THEN
        RAISE EXCEPTION 'no account is legal adviser and administrator in one country'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "user_account_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("scopes", sa.String(length=1000), nullable=True),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('create', 'grants', 'secret', 'disable', 'enable')",
            name=op.f("ck_user_account_change_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'applied', 'rejected')",
            name=op.f("ck_user_account_change_status_known"),
        ),
        sa.CheckConstraint(
            "decided_by IS NULL OR requested_by IS NULL OR decided_by <> requested_by",
            name=op.f("ck_user_account_change_four_eyes"),
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)",
            name=op.f("ck_user_account_change_decided_unless_pending"),
        ),
        sa.CheckConstraint(
            "password_hash IS NULL OR status = 'pending'",
            name=op.f("ck_user_account_change_secret_kept_only_while_pending"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_account_change_user_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["user_account.id"],
            name=op.f("fk_user_account_change_requested_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user_account.id"],
            name=op.f("fk_user_account_change_decided_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account_change")),
    )
    op.create_index(
        op.f("ix_user_account_change_user_id"), "user_account_change", ["user_id"], unique=False
    )
    op.create_index(
        "uq_user_account_change_one_pending",
        "user_account_change",
        ["user_id", "kind"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.add_column(
        "user_account", sa.Column("tokens_valid_after", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(GRANT_RULES)
    op.execute(
        "CREATE CONSTRAINT TRIGGER role_grant_separation AFTER INSERT OR UPDATE ON role_grant "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION role_grant_separation()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER role_grant_separation ON role_grant")
    op.execute("DROP FUNCTION role_grant_separation()")
    op.drop_index("uq_user_account_change_one_pending", table_name="user_account_change")
    op.drop_index(op.f("ix_user_account_change_user_id"), table_name="user_account_change")
    op.drop_table("user_account_change")
    op.drop_column("user_account", "tokens_valid_after")
