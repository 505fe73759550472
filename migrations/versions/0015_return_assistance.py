"""return assistance: applications, records before approval, schedule, follow-ups

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Records and follow-ups are evidence of a prepared, voluntary return: never changed or removed
# (a withdrawal or a new assessment is a new row). claims_refuse_change() comes from 0004.
_APPEND_ONLY = ("return_record", "return_follow_up")

GUID = advanced_alchemy.types.guid.GUID(length=16)
MONEY = sa.Numeric(precision=20, scale=2)
WHEN = sa.DateTime(timezone=True)


def _user(name: str, *, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name, GUID, sa.ForeignKey("user_account.id", ondelete="RESTRICT"), nullable=nullable
    )


def _tx(name: str, *, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name, GUID, sa.ForeignKey("ledger_transaction.id", ondelete="RESTRICT"), nullable=nullable
    )


def _application() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "application_id",
        GUID,
        sa.ForeignKey("return_application.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    )


def upgrade() -> None:
    op.create_table(
        "return_application",
        sa.Column("id", GUID, primary_key=True),
        sa.Column("reference", sa.String(20), nullable=False, unique=True),
        sa.Column(
            "claimant_id",
            GUID,
            sa.ForeignKey("claimant.id", ondelete="RESTRICT"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "organisation_id",
            GUID,
            sa.ForeignKey("organisation.id", ondelete="RESTRICT"),
            nullable=False,
            index=True,
        ),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("return_country", sa.String(2), nullable=False),
        sa.Column("return_town", sa.String(120), nullable=False),
        sa.Column("adults", sa.SmallInteger(), nullable=False),
        sa.Column("children", sa.SmallInteger(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("receiving_name", sa.String(200), nullable=False),
        sa.Column("receiving_country", sa.String(2), nullable=False),
        sa.Column("payee_currency", sa.String(3), nullable=False),
        sa.Column("receiving_bank_enc", sa.LargeBinary(), nullable=False),
        sa.Column("requested", postgresql.JSONB(), nullable=False),
        sa.Column("granted", postgresql.JSONB(), nullable=False),
        sa.Column("granted_total", MONEY, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        _user("created_by", nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        _user("risk_confirmed_by"),
        sa.Column("risk_confirmed_at", WHEN),
        _user("approved_by"),
        sa.Column("approved_at", WHEN),
        sa.Column("approval_rate", sa.Numeric(20, 10)),
        sa.Column("approval_rate_source", sa.String(200)),
        sa.Column("approval_rate_date", sa.Date()),
        sa.Column("status_reason", sa.Text()),
        _user("status_changed_by"),
        sa.Column("status_changed_at", WHEN),
        sa.CheckConstraint(
            "status IN ('applied', 'approved', 'paused', 'stopped', 'completed')",
            name="status_known",
        ),
        sa.CheckConstraint("country <> return_country", name="returns_elsewhere"),
        sa.CheckConstraint("adults >= 1 AND children >= 0", name="travellers"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint(
            "approved_by IS NULL OR risk_confirmed_by IS NULL OR approved_by <> risk_confirmed_by",
            name="four_eyes",
        ),
    )
    op.create_index("ix_return_application_queue", "return_application", ["country", "status"])
    op.create_table(
        "return_record",
        sa.Column("id", GUID, primary_key=True),
        _application(),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("details", postgresql.JSONB(), nullable=False),
        sa.Column("notes_enc", sa.LargeBinary()),
        sa.Column("document_media_type", sa.String(40)),
        sa.Column("document_sha256", sa.String(64)),
        sa.Column("document_enc", sa.LargeBinary()),
        _user("recorded_by", nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.CheckConstraint(
            "kind IN ('consent', 'risk_assessment', 'needs_assessment', "
            "'risk_justification_confirmation')",
            name="kind_known",
        ),
        sa.CheckConstraint(
            "kind <> 'consent' OR outcome IN ('given', 'withdrawn')", name="consent_outcome"
        ),
        sa.CheckConstraint(
            "kind <> 'risk_assessment' OR outcome IN ('low', 'medium', 'high')",
            name="risk_outcome",
        ),
    )
    op.create_table(
        "return_instalment",
        sa.Column("id", GUID, primary_key=True),
        _application(),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("items", postgresql.ARRAY(sa.String(30)), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("payee_amount", MONEY, nullable=False),
        sa.Column("payee_currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        _tx("reservation_transaction_id", nullable=False),
        _tx("payment_transaction_id"),
        sa.Column("paid_on", sa.Date()),
        sa.Column("paid_fund_amount", MONEY),
        sa.Column("rate", sa.Numeric(20, 10)),
        sa.Column("rate_source", sa.String(200)),
        sa.Column("rate_date", sa.Date()),
        sa.Column("bank_reference", sa.String(100)),
        _user("paid_by"),
        sa.Column("settled_at", WHEN),
        sa.UniqueConstraint("application_id", "position"),
        sa.CheckConstraint("status IN ('reserved', 'paid', 'voided')", name="status_known"),
        sa.CheckConstraint("amount > 0 AND payee_amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "(status = 'paid') = (payment_transaction_id IS NOT NULL)", name="paid_has_payment"
        ),
    )
    op.create_table(
        "return_follow_up",
        sa.Column("id", GUID, primary_key=True),
        _application(),
        sa.Column("contact_on", sa.Date(), nullable=False),
        sa.Column("contact_made", sa.Boolean(), nullable=False),
        sa.Column("safe", sa.Boolean()),
        sa.Column("situation_enc", sa.LargeBinary()),
        _user("recorded_by", nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
    )
    for table in _APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION claims_refuse_change()"
        )


def downgrade() -> None:
    for table in ("return_follow_up", "return_instalment", "return_record"):
        op.drop_table(table)
    op.drop_index("ix_return_application_queue", table_name="return_application")
    op.drop_table("return_application")
