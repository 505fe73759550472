"""Wire structs of the ledger's HTTP API, and their conversion to and from the core's types.

Money on the wire is a JSON string holding a positive decimal ("100.00"), with a `side` (debit or
credit) and an ISO 4217 currency. JSON numbers are refused for amounts: a binary float cannot hold
most decimal amounts exactly, so an amount sent as a number is a 422 before anything is read.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from ledger.chart import MINOR_UNITS, AccountDefinition, AccountType, Country, Currency
from ledger.errors import InvalidTransaction, NonPositiveAmount
from ledger.posting import (
    ACCOUNT_CODE_PATTERN,
    MAX_POSTINGS,
    REFERENCE_KEY_PATTERN,
    EntryKind,
    PostingSpec,
    TransactionSpec,
    TransactionStatus,
    parse_amount,
)
from ledger.services import MAX_BATCH, BatchItem
from ledger.views import (
    AccountView,
    Balance,
    StatementPage,
    TransactionView,
    TrialBalance,
)

MONEY_PATTERN = r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$"
"""The one money format on the wire, in requests and answers alike: a JSON string of digits with
at most two decimals (the currency may allow fewer: ISK none), no sign, exponent, space or `_`."""
MONEY_DESCRIPTION = (
    "An amount as a JSON string of digits with at most the currency's decimals (ISK 0, others 2), "
    'e.g. "1000.00". JSON numbers, exponents, signs and spaces are refused: money is never a float.'
)
POSITIVE_MONEY_PATTERN = r"^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,11}(\.[0-9]{1,2})?)$"
"""`MONEY_PATTERN` without zero: a posting moves a positive amount (`side` gives the direction),
and the document says so rather than a schema-valid `"0.00"` being refused by the ledger."""
Amount = Annotated[
    str,
    msgspec.Meta(
        pattern=POSITIVE_MONEY_PATTERN,
        description=f"{MONEY_DESCRIPTION} Never zero.",
        examples=["100.00"],
    ),
]
Rate = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,10})?$",
        description='An exchange rate as a decimal string, e.g. "11.4321"',
        examples=["11.4321"],
    ),
]
Side = Literal["debit", "credit"]
CountryCode = Country
CurrencyCode = Currency
AccountCode = Annotated[
    str,
    msgspec.Meta(
        pattern=ACCOUNT_CODE_PATTERN,
        description="The country, then up to five `/`-separated parts, e.g. `SE/fund/victims`",
        examples=["SE/fund/victims"],
    ),
]
ReferenceKey = Annotated[str, msgspec.Meta(pattern=REFERENCE_KEY_PATTERN)]
ReferenceValue = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class PostingIn(msgspec.Struct, forbid_unknown_fields=True):
    account: AccountCode
    side: Side
    amount: Amount
    currency: CurrencyCode
    """Must be the account's currency."""


class TransactionIn(msgspec.Struct, forbid_unknown_fields=True):
    country: CountryCode
    kind: EntryKind
    effective_date: date
    postings: Annotated[list[PostingIn], msgspec.Meta(min_length=2, max_length=MAX_POSTINGS)]
    memo: Annotated[str, msgspec.Meta(max_length=500)] = ""
    """Free text for the books; never personal data."""
    references: dict[ReferenceKey, ReferenceValue] = {}
    """`case`, `claim`, `confiscation`, `application`, ... -> identifier."""
    pending: bool = False
    """Reserve now; post or void later."""
    expires_at: datetime | None = None
    """A pending transaction cannot be posted after this instant."""
    exchange_rates: dict[str, Rate] = {}
    """Units of the country's currency per one unit of each other currency used."""


class BatchTransactionIn(TransactionIn, forbid_unknown_fields=True, kw_only=True):
    idempotency_key: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    """Each transaction's own key: a retried batch moves nothing twice."""


class BatchIn(msgspec.Struct, forbid_unknown_fields=True):
    transactions: Annotated[
        list[BatchTransactionIn], msgspec.Meta(min_length=1, max_length=MAX_BATCH)
    ]


class ReverseIn(msgspec.Struct, forbid_unknown_fields=True):
    memo: str = ""
    effective_date: date | None = None
    """Booking date of the reversal; today when not given."""


class PostingOut(msgspec.Struct):
    account: str
    side: Side
    amount: str
    currency: str


class TransactionOut(msgspec.Struct):
    id: uuid.UUID
    status: TransactionStatus
    kind: EntryKind
    country: str
    effective_date: date
    memo: str
    references: dict[str, str]
    postings: list[PostingOut]
    exchange_rates: dict[str, str]
    reversal_of: uuid.UUID | None
    reversed_by: uuid.UUID | None
    expires_at: datetime | None
    created_by: str
    created_at: datetime
    status_changed_at: datetime | None
    status_changed_by: str | None
    version: int
    """The transaction's version, also its ETag: 1 when recorded, one more when it is posted or
    voided, one more when it is reversed (the only changes a transaction ever sees)."""


class BatchOut(msgspec.Struct):
    transactions: list[TransactionOut]


class VoidedOut(msgspec.Struct):
    voided: list[uuid.UUID]
    """Pending transactions voided because their expiry had passed."""


class AccountIn(msgspec.Struct, forbid_unknown_fields=True):
    code: AccountCode
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    type: AccountType
    currency: CurrencyCode
    country: CountryCode
    must_not_go_negative: bool = False


class AccountOut(msgspec.Struct):
    id: uuid.UUID
    code: str
    name: str
    type: AccountType
    currency: str
    country: str
    must_not_go_negative: bool


class BalanceOut(msgspec.Struct):
    account: str
    currency: str
    as_of: date | None
    posted: str
    """Posted balance in the account's normal direction (a fund's money is positive)."""
    pending: str
    """Reserved by pending transactions taking money out."""
    available: str
    """posted - pending."""
    pending_in: str = "0"
    """Reserved by pending transactions bringing money in: posted when they are (an award's
    reservation on its payable account shows here until the letter books it)."""


class StatementLineOut(msgspec.Struct):
    transaction_id: uuid.UUID
    effective_date: date
    kind: EntryKind
    memo: str
    side: Side
    amount: str
    running_balance: str


class StatementOut(msgspec.Struct):
    account: str
    currency: str
    opening_balance: str
    items: list[StatementLineOut]
    """The posted lines of this page, oldest first, each with the running balance."""
    next: str | None
    """The cursor of the next page (pass it as `after`); null on the last page."""


class TrialBalanceLineOut(msgspec.Struct):
    account: str
    type: AccountType
    currency: str
    debits: str
    credits: str
    balance: str


class CurrencyTotalOut(msgspec.Struct):
    currency: str
    debits: str
    credits: str
    balanced: bool


class TrialBalanceOut(msgspec.Struct):
    country: str
    as_of: date | None
    lines: list[TrialBalanceLineOut]
    totals: list[CurrencyTotalOut]


def money(amount: Decimal, currency: str) -> str:
    units = MINOR_UNITS.get(currency, 2)
    exact = amount.quantize(Decimal(1).scaleb(-units))
    return format(exact if exact != 0 else abs(exact), "f")  # never "-0.00"


def spec_from_wire(data: TransactionIn) -> TransactionSpec:
    postings = []
    for index, posting in enumerate(data.postings):
        amount = parse_amount(posting.amount, index)
        if amount <= 0:
            raise NonPositiveAmount(
                index, "the amount must be positive; `side` says debit or credit"
            )
        postings.append(
            PostingSpec(
                posting.account, amount if posting.side == "debit" else -amount, posting.currency
            )
        )
    rates = {}
    for currency, rate in data.exchange_rates.items():
        try:
            rates[currency] = Decimal(rate)
        except ArithmeticError as exc:
            raise InvalidTransaction(f"the {currency} rate is not a decimal number") from exc
    return TransactionSpec(
        country=data.country,
        kind=data.kind,
        effective_date=data.effective_date,
        postings=tuple(postings),
        memo=data.memo,
        references=dict(data.references),
        pending=data.pending,
        expires_at=data.expires_at,
        exchange_rates=rates,
    )


def batch_from_wire(data: BatchIn) -> list[BatchItem]:
    items = []
    for index, transaction in enumerate(data.transactions):
        try:
            items.append(BatchItem(spec_from_wire(transaction), transaction.idempotency_key))
        except InvalidTransaction as error:
            error.transaction_index = index
            raise
    return items


def definition_from_wire(data: AccountIn) -> AccountDefinition:
    return AccountDefinition(
        data.code, data.name, data.type, data.currency, data.country, data.must_not_go_negative
    )


def _posting_out(posting: PostingSpec) -> PostingOut:
    return PostingOut(
        account=posting.account_code,
        side="debit" if posting.amount > 0 else "credit",
        amount=money(abs(posting.amount), posting.currency),
        currency=posting.currency,
    )


def transaction_out(view: TransactionView) -> TransactionOut:
    return TransactionOut(
        id=view.id,
        status=view.status,
        kind=view.kind,
        country=view.country,
        effective_date=view.effective_date,
        memo=view.memo,
        references=dict(view.references),
        postings=[_posting_out(p) for p in view.postings],
        exchange_rates={k: format(v, "f") for k, v in view.exchange_rates.items()},
        reversal_of=view.reversal_of,
        reversed_by=view.reversed_by,
        expires_at=view.expires_at,
        created_by=view.created_by,
        created_at=view.created_at,
        status_changed_at=view.status_changed_at,
        status_changed_by=view.status_changed_by,
        version=transaction_version(view),
    )


def transaction_version(view: TransactionView) -> int:
    """See `TransactionOut.version`."""
    settled = view.status != TransactionStatus.PENDING
    return 1 + int(settled) + int(view.reversed_by is not None)


def account_out(view: AccountView) -> AccountOut:
    return AccountOut(
        id=view.id,
        code=view.code,
        name=view.name,
        type=view.type,
        currency=view.currency,
        country=view.country,
        must_not_go_negative=view.must_not_go_negative,
    )


def balance_out(code: str, balance: Balance, as_of: date | None) -> BalanceOut:
    c = balance.currency
    return BalanceOut(
        account=code,
        currency=c,
        as_of=as_of,
        posted=money(balance.posted, c),
        pending=money(balance.pending, c),
        available=money(balance.available, c),
        pending_in=money(balance.pending_in, c),
    )


def statement_out(page: StatementPage) -> StatementOut:
    c = page.account.currency
    return StatementOut(
        account=page.account.code,
        currency=c,
        opening_balance=money(page.opening_balance, c),
        items=[
            StatementLineOut(
                transaction_id=line.transaction_id,
                effective_date=line.effective_date,
                kind=line.kind,
                memo=line.memo,
                side="debit" if line.amount > 0 else "credit",
                amount=money(abs(line.amount), c),
                running_balance=money(line.running_balance, c),
            )
            for line in page.lines
        ],
        next=page.next_cursor,
    )


def trial_balance_out(trial: TrialBalance) -> TrialBalanceOut:
    return TrialBalanceOut(
        country=trial.country,
        as_of=trial.as_of,
        lines=[
            TrialBalanceLineOut(
                account=line.account_code,
                type=line.type,
                currency=line.currency,
                debits=money(line.debits, line.currency),
                credits=money(line.credits, line.currency),
                balance=money(line.balance, line.currency),
            )
            for line in trial.lines
        ],
        totals=[
            CurrencyTotalOut(
                currency=t.currency,
                debits=money(t.debits, t.currency),
                credits=money(t.credits, t.currency),
                balanced=t.balanced,
            )
            for t in trial.totals
        ],
    )
