"""Ledger tables. PostgreSQL guards their invariants: `ledger_record` (migration 0026) for
the rows it writes, the triggers of migration 0003 for any other writer.

Balances are kept per account in four counters that only the posting and status triggers may
change, so the CHECK on `ledger_account` refuses an overdraft of a guarded account even when
many requests race (each waits for the row lock of the account it moves).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import uuid_utils
from advanced_alchemy.base import DefaultBase
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ledger.chart import OWNED_ACCOUNT_PATTERN, AccountType
from ledger.posting import EntryKind, TransactionStatus


def new_id() -> uuid.UUID:
    """UUIDv7: time-ordered, so postings sort by creation and indexes stay compact."""
    return uuid.UUID(bytes=uuid_utils.uuid7().bytes)


def _in(column: str, values: type[Any]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


_AVAILABLE_NOT_NEGATIVE = (
    "NOT must_not_go_negative OR CASE WHEN type IN ('asset', 'expense') "
    "THEN posted_debits - posted_credits - pending_credits "
    "ELSE posted_credits - posted_debits - pending_debits END >= 0"
)


OWNER_EXPRESSION = (
    f"CASE WHEN code ~ '{OWNED_ACCOUNT_PATTERN}' THEN "
    "CASE WHEN split_part(code, '/', 2) = 'earmarked' THEN 'case:' || split_part(code, '/', 3) "
    "WHEN split_part(code, '/', 3) IN ('award', 'overpaid') "
    "THEN 'claim:' || split_part(code, '/', 4) "
    "ELSE 'application:' || split_part(code, '/', 4) END END"
)
"""The database's copy of `chart.account_owner` (a test proves the two agree)."""


class Currency(DefaultBase):
    """An ISO 4217 currency the ledger accepts, with its number of decimals."""

    __tablename__ = "ledger_currency"
    __table_args__ = (sa.CheckConstraint("minor_units BETWEEN 0 AND 4", name="minor_units"),)

    code: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    """ISO 4217 alphabetic code (SEK, EUR, ISK, ...)."""
    minor_units: Mapped[int] = mapped_column(sa.SmallInteger)
    """Decimals an amount in this currency may have (ISK 0, others 2)."""


class Account(DefaultBase):
    """An account of one country's fund, in one currency."""

    __tablename__ = "ledger_account"
    __table_args__ = (
        sa.UniqueConstraint("id", "currency", name="uq_ledger_account_id_currency"),
        sa.CheckConstraint(_in("type", AccountType), name="type_known"),
        sa.CheckConstraint("country ~ '^[A-Z]{2}$'", name="country_code"),
        sa.CheckConstraint("starts_with(code, country || '/')", name="code_of_country"),
        sa.CheckConstraint(
            "posted_debits >= 0 AND posted_credits >= 0 AND pending_debits >= 0 "
            "AND pending_credits >= 0",
            name="counters_not_negative",
        ),
        sa.CheckConstraint(_AVAILABLE_NOT_NEGATIVE, name="available_not_negative"),
        sa.CheckConstraint("owner IS NULL OR must_not_go_negative", name="owned_guarded"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(sa.String(200), unique=True)
    """Chart code, country first: `SE/fund/victims`, `LV/payable/award/<claim id>`."""
    name: Mapped[str] = mapped_column(sa.String(200))
    """What the account holds, in words for the books (never a person's name)."""
    type: Mapped[str] = mapped_column(sa.String(20))
    """asset, liability, fund_equity, income or expense: which side makes it grow."""
    currency: Mapped[str] = mapped_column(sa.ForeignKey("ledger_currency.code"))
    """The one ISO 4217 currency of every posting on this account."""
    country: Mapped[str] = mapped_column(sa.String(2))
    """ISO 3166 alpha-2 code of the fund the account belongs to."""
    must_not_go_negative: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """True for money the fund really holds (bank, funds, earmarked): the available balance,
    in the account's normal direction, may never fall below zero."""
    owner: Mapped[str | None] = mapped_column(
        sa.String(210), sa.Computed(OWNER_EXPRESSION, persisted=True)
    )
    """`claim:<id>` or `application:<id>` for a payable that belongs to one (derived from the
    code); such an account is always guarded, and its money moves only through its owner."""
    posted_debits: Mapped[Decimal] = mapped_column(sa.Numeric, default=0, server_default="0")
    """Sum of debits of posted transactions, in `currency`; kept by trigger only."""
    posted_credits: Mapped[Decimal] = mapped_column(sa.Numeric, default=0, server_default="0")
    """Sum of credits of posted transactions, in `currency`; kept by trigger only."""
    pending_debits: Mapped[Decimal] = mapped_column(sa.Numeric, default=0, server_default="0")
    """Sum of debits of pending transactions, in `currency`; kept by trigger only."""
    pending_credits: Mapped[Decimal] = mapped_column(sa.Numeric, default=0, server_default="0")
    """Sum of credits of pending transactions, in `currency`; kept by trigger only."""
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class Transaction(DefaultBase):
    """Two or more postings that sum to zero per currency, written at once or not at all."""

    __tablename__ = "ledger_transaction"
    __table_args__ = (
        sa.UniqueConstraint(
            "idempotency_scope", "idempotency_key", name="uq_ledger_transaction_idempotency"
        ),
        sa.CheckConstraint(_in("kind", EntryKind), name="kind_known"),
        sa.CheckConstraint(_in("status", TransactionStatus), name="status_known"),
        sa.CheckConstraint("(kind = 'reversal') = (reversal_of IS NOT NULL)", name="reversal"),
        sa.Index("ix_ledger_transaction_country_effective_date", "country", "effective_date"),
        sa.Index(
            "ix_ledger_transaction_references",
            "references",
            postgresql_using="gin",
            postgresql_ops={"references": "jsonb_path_ops"},
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    country: Mapped[str] = mapped_column(sa.String(2))
    """The fund whose books this is (every posting is on one of its accounts)."""
    kind: Mapped[str] = mapped_column(sa.String(30))
    """Why money moved: an `EntryKind`."""
    status: Mapped[str] = mapped_column(sa.String(10))
    """pending (reserved), posted, or voided; changes only pending -> posted or voided, once."""
    effective_date: Mapped[date] = mapped_column(sa.Date)
    """The accounting date: balances `as of` a date count transactions effective on or before."""
    memo: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    """Free text for the books; no personal data."""
    references: Mapped[dict[str, str]] = mapped_column(
        JSONB, default=dict, server_default=sa.text("'{}'::jsonb")
    )
    """What the money is about: {"case": ..., "claim": ..., "confiscation": ...}."""
    exchange_rates: Mapped[dict[str, str]] = mapped_column(
        JSONB, default=dict, server_default=sa.text("'{}'::jsonb")
    )
    """Units of the country's currency per one unit of each other currency used (decimal text)."""
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    """A pending transaction cannot be posted after this instant."""
    reversal_of: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("ledger_transaction.id", ondelete="RESTRICT"), unique=True
    )
    """The transaction this one undoes; unique, so a transaction is reversed at most once."""
    idempotency_scope: Mapped[str] = mapped_column(sa.String(200))
    """Whose key `idempotency_key` is (a user, or a service such as claims)."""
    idempotency_key: Mapped[str] = mapped_column(sa.String(255))
    """The caller's key: a retry with the same key returns this transaction."""
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    """SHA-256 of the request's content, to tell a retry from a different request."""
    created_by: Mapped[str] = mapped_column(sa.String(200))
    """Who recorded it (username or service name)."""
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    """Set by the database to the start of the writing transaction."""
    status_changed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    """When it was posted or voided (after pending)."""
    status_changed_by: Mapped[str | None] = mapped_column(sa.String(200))
    """Who posted or voided it (after pending)."""


class Posting(DefaultBase):
    """One signed amount on one account; never updated or deleted."""

    __tablename__ = "ledger_posting"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["account_id", "currency"],
            ["ledger_account.id", "ledger_account.currency"],
            name="fk_ledger_posting_account_currency",
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint("transaction_id", "position", name="uq_ledger_posting_position"),
        sa.CheckConstraint("amount <> 0", name="amount_not_zero"),
        sa.Index("ix_ledger_posting_account_id", "account_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    transaction_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("ledger_transaction.id", ondelete="RESTRICT")
    )
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    """0-based place of the posting in its transaction, as the caller gave it."""
    account_id: Mapped[uuid.UUID]
    currency: Mapped[str] = mapped_column(sa.String(3))
    """Must be the account's currency (a composite foreign key says so)."""
    amount: Mapped[Decimal] = mapped_column(sa.Numeric)
    """Signed, in units of `currency`: positive is a debit, negative a credit; at most the
    currency's minor units of decimals."""


class MonthlyTotal(DefaultBase):
    """Posted debits and credits of one account, per calendar month (of the effective date) and
    transaction kind: the ledger summed ahead, so reports over a year read a few rows per
    account instead of every posting. Only PostgreSQL writes it, in the same database
    transaction as the postings it sums (migration 0019's triggers); a test proves it equals
    the sum of the postings."""

    __tablename__ = "ledger_monthly_total"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["account_id", "currency"],
            ["ledger_account.id", "ledger_account.currency"],
            name="fk_ledger_monthly_total_account_currency",
            ondelete="RESTRICT",
        ),
        sa.CheckConstraint("extract(day FROM month) = 1", name="month_first_day"),
        sa.CheckConstraint("debits >= 0 AND credits >= 0", name="sums_not_negative"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    """First day of the month of the transactions' effective date."""
    kind: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    """The transactions' kind (`EntryKind`)."""
    debits: Mapped[Decimal] = mapped_column(sa.Numeric)
    credits: Mapped[Decimal] = mapped_column(sa.Numeric)
