"""What the ledger answers: frozen dataclasses, free of SQLAlchemy, safe to hand to any layer."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ledger.chart import AccountType
from ledger.posting import EntryKind, PostingSpec, TransactionStatus


@dataclass(frozen=True, slots=True)
class AccountView:
    id: uuid.UUID
    code: str
    name: str
    type: AccountType
    currency: str
    country: str
    must_not_go_negative: bool


@dataclass(frozen=True, slots=True)
class TransactionView:
    id: uuid.UUID
    status: TransactionStatus
    kind: EntryKind
    country: str
    effective_date: date
    memo: str
    references: Mapping[str, str]
    postings: tuple[PostingSpec, ...]
    """In the order the caller gave them; amounts signed (positive debit)."""
    exchange_rates: Mapping[str, Decimal]
    reversal_of: uuid.UUID | None
    reversed_by: uuid.UUID | None
    expires_at: datetime | None
    created_by: str
    created_at: datetime
    status_changed_at: datetime | None
    status_changed_by: str | None


@dataclass(frozen=True, slots=True)
class Balance:
    """An account's balance in its normal direction (a fund's credit balance is positive)."""

    posted: Decimal
    """Sum of posted transactions."""
    pending: Decimal
    """Reserved by pending transactions that take money out of the account."""
    available: Decimal
    """posted - pending: what can still be spent or reserved."""
    currency: str
    pending_in: Decimal = Decimal(0)
    """Reserved by pending transactions bringing money in (counted once they are posted)."""


@dataclass(frozen=True, slots=True)
class StatementLine:
    posting_id: uuid.UUID
    transaction_id: uuid.UUID
    effective_date: date
    kind: EntryKind
    memo: str
    amount: Decimal
    """Signed: positive is a debit, negative a credit."""
    running_balance: Decimal
    """Posted balance after this line, in the account's normal direction."""


@dataclass(frozen=True, slots=True)
class StatementPage:
    account: AccountView
    opening_balance: Decimal
    """Posted balance before `from_date` (zero when no start date was asked for)."""
    lines: tuple[StatementLine, ...]
    next_cursor: str | None
    """Pass as `after` to read the next page; None on the last page."""


@dataclass(frozen=True, slots=True)
class TrialBalanceLine:
    account_code: str
    type: AccountType
    currency: str
    debits: Decimal
    credits: Decimal
    balance: Decimal
    """debits - credits, in the account's normal direction."""


@dataclass(frozen=True, slots=True)
class CurrencyTotal:
    currency: str
    debits: Decimal
    credits: Decimal

    @property
    def balanced(self) -> bool:
        return self.debits == self.credits


@dataclass(frozen=True, slots=True)
class TrialBalance:
    country: str
    as_of: date | None
    lines: tuple[TrialBalanceLine, ...]
    totals: tuple[CurrencyTotal, ...]
    """One per currency; debits equal credits in each."""
