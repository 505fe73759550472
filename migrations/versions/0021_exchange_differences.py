"""ledger: realised exchange differences of payments in another currency, a kind of their own

Revision ID: 0021
Revises: 0020

Return assistance paid in another currency is reserved at the approval's rate and paid at the
day's; the difference stayed on the exchange account of the fund's currency. The ledger learns the
kind `exchange_difference`: the transaction that moves a settled payment's difference between
that exchange account and the (guarded) victims' fund, so the exchange account nets to zero and
the reports show the difference as a line of its own.

Downgrade drops the kind (refused while a transaction of that kind exists).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS_BEFORE = (
    "'appropriation', 'confiscation', 'allocation', 'award', 'payment', 'recovery', "
    "'return_assistance', 'reversal', 'exchange', 'opening', 'adjustment', 'grant', "
    "'earmark_release', 'overpayment_repayment', 'overpayment_waiver'"
)
_KINDS_AFTER = _KINDS_BEFORE + ", 'exchange_difference'"


def _kinds(kinds: str) -> None:
    op.drop_constraint(op.f("ck_ledger_transaction_kind_known"), "ledger_transaction")
    op.create_check_constraint(
        op.f("ck_ledger_transaction_kind_known"), "ledger_transaction", f"kind IN ({kinds})"
    )


def upgrade() -> None:
    _kinds(_KINDS_AFTER)


def downgrade() -> None:
    _kinds(_KINDS_BEFORE)
