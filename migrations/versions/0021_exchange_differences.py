"""ledger: realised exchange differences of payments in another currency, in the victims' fund

Revision ID: 0021
Revises: 0020

Return assistance paid in another currency is reserved at the approval's rate and paid at the
day's; the difference stayed on the exchange account of the fund's currency. Each country's
chart gains `<CC>/fund/victims/exchange-differences` (fund equity, part of the victims' fund:
gains credit it, losses debit it), and the ledger learns the kind `exchange_difference`, the
transaction that moves a settled payment's difference there so the exchange account nets to zero.

Downgrade drops the kind (refused while a transaction of that kind exists) but keeps the
accounts: ledger accounts are never deleted.
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
import uuid_utils
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

# The countries and their currencies at this revision (ledger/chart.py's COUNTRY_CURRENCY).
_COUNTRIES = {
    "DK": "DKK",
    "EE": "EUR",
    "FI": "EUR",
    "IS": "ISK",
    "LT": "EUR",
    "LV": "EUR",
    "NO": "NOK",
    "SE": "SEK",
}


def _kinds(kinds: str) -> None:
    op.drop_constraint(op.f("ck_ledger_transaction_kind_known"), "ledger_transaction")
    op.create_check_constraint(
        op.f("ck_ledger_transaction_kind_known"), "ledger_transaction", f"kind IN ({kinds})"
    )


def upgrade() -> None:
    _kinds(_KINDS_AFTER)
    account = sa.table(
        "ledger_account",
        sa.column("id", sa.Uuid()),
        sa.column("code", sa.String()),
        sa.column("name", sa.String()),
        sa.column("type", sa.String()),
        sa.column("currency", sa.String()),
        sa.column("country", sa.String()),
        sa.column("must_not_go_negative", sa.Boolean()),
    )
    op.bulk_insert(
        account,
        [
            {
                "id": uuid.UUID(bytes=uuid_utils.uuid7().bytes),
                "code": f"{country}/fund/victims/exchange-differences",
                "name": "Victims' fund: realised exchange gains and losses",
                "type": "fund_equity",
                "currency": currency,
                "country": country,
                "must_not_go_negative": False,
            }
            for country, currency in sorted(_COUNTRIES.items())
        ],
    )


def downgrade() -> None:
    _kinds(_KINDS_BEFORE)
