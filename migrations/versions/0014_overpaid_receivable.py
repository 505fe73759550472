"""ledger: the overpayment receivable of a claim belongs to the claim

Revision ID: 0014
Revises: 0013

An appeal that lowers an award below what was already paid leaves her owing the difference to
the fund: `<CC>/receivable/overpaid/<claim>`. Like the claim's payable it belongs to the claim,
so its money moves only through the claim's routes, and it is guarded: no write, however made,
takes it below zero. The generated `owner` column is derived again with the wider pattern.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_OWNER = (
    "CASE WHEN code ~ '^[A-Z]{2}/payable/(award|return)/([^/]+)$' THEN "
    "CASE split_part(code, '/', 3) WHEN 'award' THEN 'claim' ELSE 'application' END "
    "|| ':' || split_part(code, '/', 4) END"
)
_NEW_OWNER = (
    "CASE WHEN code ~ '^[A-Z]{2}/(payable/award|payable/return|receivable/overpaid)/([^/]+)$' "
    "THEN CASE split_part(code, '/', 3) WHEN 'return' THEN 'application' ELSE 'claim' END "
    "|| ':' || split_part(code, '/', 4) END"
)


def _derive_owner(expression: str) -> None:
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


def upgrade() -> None:
    _derive_owner(_NEW_OWNER)


def downgrade() -> None:
    _derive_owner(_OLD_OWNER)
