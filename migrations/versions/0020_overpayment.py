"""claims: an overpayment an appeal leaves is owed back to the fund, repaid or waived

Revision ID: 0020
Revises: 0019

An appeal that lowers an award below what was already paid leaves her owing the difference to
the fund: `<CC>/receivable/overpaid/<claim>`. Like the claim's payable it belongs to the claim,
so its money moves only through the claim's routes, and it is guarded: no write, however made,
takes it below zero. The generated `owner` column is derived again with the wider pattern.

The ledger learns two kinds: `overpayment_repayment` (`Dr bank  Cr receivable`) and
`overpayment_waiver` (`Dr fund/victims  Cr receivable`, the write-off). The claim keeps what was
repaid, waived and is still owed, and the administrators' decision on it (four eyes above the
threshold); each repayment is a row with its ledger transaction.
"""

from collections.abc import Sequence

import advanced_alchemy.types.guid
import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS_BEFORE = (
    "'appropriation', 'confiscation', 'allocation', 'award', 'payment', 'recovery', "
    "'return_assistance', 'reversal', 'exchange', 'opening', 'adjustment', 'grant', "
    "'earmark_release'"
)
_KINDS_AFTER = _KINDS_BEFORE + ", 'overpayment_repayment', 'overpayment_waiver'"

_OWNER_BEFORE = (
    "CASE WHEN code ~ '^[A-Z]{2}/(payable/award|payable/return|earmarked)/([^/]+)$' THEN "
    "CASE WHEN split_part(code, '/', 2) = 'earmarked' THEN 'case:' || split_part(code, '/', 3) "
    "WHEN split_part(code, '/', 3) = 'award' THEN 'claim:' || split_part(code, '/', 4) "
    "ELSE 'application:' || split_part(code, '/', 4) END END"
)
_OWNER_AFTER = (
    "CASE WHEN code ~ '^[A-Z]{2}/(payable/award|payable/return|receivable/overpaid|earmarked)"
    "/([^/]+)$' THEN "
    "CASE WHEN split_part(code, '/', 2) = 'earmarked' THEN 'case:' || split_part(code, '/', 3) "
    "WHEN split_part(code, '/', 3) IN ('award', 'overpaid') "
    "THEN 'claim:' || split_part(code, '/', 4) "
    "ELSE 'application:' || split_part(code, '/', 4) END END"
)

_MONEY = sa.Numeric(20, 2)


def _kinds(kinds: str) -> None:
    op.drop_constraint(op.f("ck_ledger_transaction_kind_known"), "ledger_transaction")
    op.create_check_constraint(
        op.f("ck_ledger_transaction_kind_known"), "ledger_transaction", f"kind IN ({kinds})"
    )


def _owner(expression: str) -> None:
    op.drop_constraint(op.f("ck_ledger_account_owned_guarded"), "ledger_account", type_="check")
    op.execute("ALTER TABLE ledger_account DROP COLUMN owner")
    op.execute(
        f"ALTER TABLE ledger_account ADD COLUMN owner varchar(210) "
        f"GENERATED ALWAYS AS ({expression}) STORED"
    )
    op.create_check_constraint(
        op.f("ck_ledger_account_owned_guarded"),
        "ledger_account",
        "owner IS NULL OR must_not_go_negative",
    )


_GUID = advanced_alchemy.types.guid.GUID(length=16)
_USERS = ("overpayment_decided_by", "overpayment_confirmed_by")


def _user(name: str) -> sa.Column:
    return sa.Column(name, _GUID, nullable=True)


def upgrade() -> None:
    _kinds(_KINDS_AFTER)
    _owner(_OWNER_AFTER)
    for column in (
        sa.Column("overpayment_owed", _MONEY, server_default="0", nullable=False),
        sa.Column("overpayment_repaid", _MONEY, server_default="0", nullable=False),
        sa.Column("overpayment_waived", _MONEY, server_default="0", nullable=False),
        sa.Column("overpayment_decision", sa.String(10), nullable=True),
        sa.Column("overpayment_reason", sa.Text(), nullable=True),
        sa.Column("overpayment_decided_at", sa.DateTime(timezone=True), nullable=True),
        _user("overpayment_decided_by"),
        sa.Column("overpayment_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        _user("overpayment_confirmed_by"),
    ):
        op.add_column("claim", column)
    for name in _USERS:
        op.create_foreign_key(
            op.f(f"fk_claim_{name}_user_account"),
            "claim",
            "user_account",
            [name],
            ["id"],
            ondelete="RESTRICT",
        )
    op.create_check_constraint(
        op.f("ck_claim_overpayment_not_negative"),
        "claim",
        "overpayment_owed >= 0 AND overpayment_repaid >= 0 AND overpayment_waived >= 0",
    )
    op.create_check_constraint(
        op.f("ck_claim_overpayment_decision_known"),
        "claim",
        "overpayment_decision IS NULL OR overpayment_decision IN ('recover', 'waive')",
    )
    op.create_check_constraint(
        op.f("ck_claim_overpayment_four_eyes"),
        "claim",
        "overpayment_confirmed_by IS NULL OR overpayment_confirmed_by <> overpayment_decided_by",
    )
    op.create_table(
        "claim_repayment",
        sa.Column("id", _GUID, nullable=False),
        sa.Column("claim_id", _GUID, nullable=False),
        sa.Column("amount", _MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("repaid_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("transaction_id", _GUID, nullable=False),
        sa.Column("recorded_by", _GUID, nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_claim_repayment_amount_positive")),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
            name=op.f("fk_claim_repayment_claim_id_claim"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transaction.id"],
            name=op.f("fk_claim_repayment_transaction_id_ledger_transaction"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_claim_repayment_recorded_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_repayment")),
    )
    op.create_index(
        op.f("ix_claim_repayment_claim_id"), "claim_repayment", ["claim_id"], unique=False
    )
    # A repayment, like a payment, is a fact: never changed or deleted (0004's function).
    op.execute(
        "CREATE TRIGGER claim_repayment_append_only BEFORE UPDATE OR DELETE ON claim_repayment "
        "FOR EACH ROW EXECUTE FUNCTION claims_refuse_change()"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_claim_repayment_claim_id"), table_name="claim_repayment")
    op.drop_table("claim_repayment")
    for name in ("four_eyes", "decision_known", "not_negative"):
        op.drop_constraint(op.f(f"ck_claim_overpayment_{name}"), "claim", type_="check")
    for name in _USERS:
        op.drop_constraint(op.f(f"fk_claim_{name}_user_account"), "claim", type_="foreignkey")
    for column in (
        "overpayment_confirmed_by",
        "overpayment_confirmed_at",
        "overpayment_decided_by",
        "overpayment_decided_at",
        "overpayment_reason",
        "overpayment_decision",
        "overpayment_waived",
        "overpayment_repaid",
        "overpayment_owed",
    ):
        op.drop_column("claim", column)
    _owner(_OWNER_BEFORE)
    _kinds(_KINDS_BEFORE)
