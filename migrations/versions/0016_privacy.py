"""privacy: erasure requests, legal holds, retention runs

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUID = advanced_alchemy.types.guid.GUID(length=16)


def upgrade() -> None:
    op.create_table(
        "erasure_request",
        sa.Column("id", GUID, nullable=False),
        sa.Column("claimant_id", GUID, nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("countries", postgresql.ARRAY(sa.String(length=2)), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("when_free", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "kept_for",
            postgresql.ARRAY(sa.String(length=30)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("requested_by", GUID, nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", GUID, nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", GUID, nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('awaiting_confirmation', 'scheduled', 'erased', 'cancelled')",
            name=op.f("ck_erasure_request_status_known"),
        ),
        sa.CheckConstraint(
            "basis IN ('request', 'retention')", name=op.f("ck_erasure_request_basis_known")
        ),
        sa.CheckConstraint(
            "(basis = 'request') = (requested_by IS NOT NULL)",
            name=op.f("ck_erasure_request_requester"),
        ),
        sa.CheckConstraint(
            "confirmed_by IS NULL OR confirmed_by <> requested_by",
            name=op.f("ck_erasure_request_four_eyes"),
        ),
        sa.CheckConstraint(
            "(status = 'erased') = (erased_at IS NOT NULL)",
            name=op.f("ck_erasure_request_erased_when"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('scheduled', 'erased') OR basis = 'retention' "
            "OR confirmed_by IS NOT NULL",
            name=op.f("ck_erasure_request_confirmed_first"),
        ),
        sa.ForeignKeyConstraint(
            ["claimant_id"],
            ["claimant.id"],
            name=op.f("fk_erasure_request_claimant_id_claimant"),
            ondelete="RESTRICT",
        ),
        *(
            sa.ForeignKeyConstraint(
                [column],
                ["user_account.id"],
                name=op.f(f"fk_erasure_request_{column}_user_account"),
                ondelete="RESTRICT",
            )
            for column in ("requested_by", "confirmed_by", "cancelled_by")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_request")),
    )
    op.create_index(
        op.f("ix_erasure_request_claimant_id"), "erasure_request", ["claimant_id"], unique=False
    )
    op.create_index(
        "uq_erasure_request_open",
        "erasure_request",
        ["claimant_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('awaiting_confirmation', 'scheduled')"),
    )
    op.create_table(
        "legal_hold",
        sa.Column("id", GUID, nullable=False),
        sa.Column("claimant_id", GUID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("placed_by", GUID, nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_by", GUID, nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('court_case', 'investigation', 'other')",
            name=op.f("ck_legal_hold_kind_known"),
        ),
        sa.CheckConstraint(
            "(lifted_at IS NULL) = (lifted_by IS NULL)", name=op.f("ck_legal_hold_lifted_by_whom")
        ),
        sa.CheckConstraint(
            "(lifted_at IS NULL) = (lift_reason IS NULL)", name=op.f("ck_legal_hold_lifted_why")
        ),
        sa.ForeignKeyConstraint(
            ["claimant_id"],
            ["claimant.id"],
            name=op.f("fk_legal_hold_claimant_id_claimant"),
            ondelete="RESTRICT",
        ),
        *(
            sa.ForeignKeyConstraint(
                [column],
                ["user_account.id"],
                name=op.f(f"fk_legal_hold_{column}_user_account"),
                ondelete="RESTRICT",
            )
            for column in ("placed_by", "lifted_by")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hold")),
    )
    op.create_index(op.f("ix_legal_hold_claimant_id"), "legal_hold", ["claimant_id"], unique=False)
    op.create_table(
        "retention_run",
        sa.Column("id", GUID, nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("kept", sa.Integer(), nullable=False),
        sa.Column("by_country", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_run")),
    )


def downgrade() -> None:
    op.drop_table("retention_run")
    op.drop_index(op.f("ix_legal_hold_claimant_id"), table_name="legal_hold")
    op.drop_table("legal_hold")
    op.drop_index("uq_erasure_request_open", table_name="erasure_request")
    op.drop_index(op.f("ix_erasure_request_claimant_id"), table_name="erasure_request")
    op.drop_table("erasure_request")
