"""The pure core: build and check a transaction before any database sees it.

Nothing here imports SQLAlchemy or Litestar. PostgreSQL checks the same rules again when the
transaction commits (balance per currency, currency of the account, amounts' precision, funds
that must not go negative), so a bug here cannot corrupt the books; these checks exist to name
the posting at fault in words a user understands.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType

from ledger.chart import (
    COUNTRY_CURRENCY,
    MINOR_UNITS,
    AccountType,
    Owner,
    account_owner,
    acts_for,
    exchange_account,
)
from ledger.errors import (
    CurrencyMismatch,
    ForeignAccount,
    InsufficientFunds,
    InvalidAccount,
    InvalidPosting,
    InvalidTransaction,
    NonPositiveAmount,
    OwnedElsewhere,
    PrecisionExceeded,
    UnbalancedTransaction,
    UnknownAccount,
)

MAX_POSTINGS = 500
"""Most postings one transaction may have."""

MAX_AMOUNT = Decimal(10) ** 15
"""Amounts must be smaller than this in absolute value (a sanity bound, in currency units)."""

ACCOUNT_CODE_PATTERN = r"^[A-Z]{2}(/[A-Za-z0-9][A-Za-z0-9._-]{0,99}){1,5}$"
REFERENCE_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,29}$"
_ACCOUNT_CODE = re.compile(ACCOUNT_CODE_PATTERN)
_REFERENCE_KEY = re.compile(REFERENCE_KEY_PATTERN)
_DECIMAL_TEXT = re.compile(r"^-?[0-9]{1,16}(\.[0-9]{1,12})?$")
_EMPTY: Mapping[str, str] = MappingProxyType({})
_NO_RATES: Mapping[str, Decimal] = MappingProxyType({})
RESERVED_CODE_SUFFIXES = ("balance", "statement")
"""Last segments an account code may not have: the HTTP API uses them after a code."""


class EntryKind(StrEnum):
    """Why money moved (TigerBeetle's `code`): every transaction has exactly one."""

    APPROPRIATION = "appropriation"
    CONFISCATION = "confiscation"
    ALLOCATION = "allocation"
    AWARD = "award"
    PAYMENT = "payment"
    RECOVERY = "recovery"
    RETURN_ASSISTANCE = "return_assistance"
    REVERSAL = "reversal"
    EXCHANGE = "exchange"
    OPENING = "opening"
    ADJUSTMENT = "adjustment"
    GRANT = "grant"
    """From the support-services fund to a named organisation."""
    EARMARK_RELEASE = "earmark_release"
    """Earmarked money of a case not claimed within the policy's period, back to the fund."""
    OVERPAYMENT_REPAYMENT = "overpayment_repayment"
    """She pays back what an appeal left her owing: `Dr bank  Cr receivable/overpaid/<claim>`."""
    OVERPAYMENT_WAIVER = "overpayment_waiver"
    """The fund writes off an overpayment: `Dr fund/victims  Cr receivable/overpaid/<claim>`."""
    EXCHANGE_DIFFERENCE = "exchange_difference"
    """A payment in another currency cost more (or less) than was reserved at the approval's
    rate: `Dr fund/victims  Cr exchange/<home>` (or the reverse). Booked on the guarded fund
    itself, so what is available to pay never counts a loss twice and never goes negative."""


class TransactionStatus(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


@dataclass(frozen=True, slots=True)
class PostingSpec:
    account_code: str
    amount: Decimal
    """Signed, in units of `currency`: positive is a debit, negative a credit."""
    currency: str


@dataclass(frozen=True, slots=True)
class TransactionSpec:
    country: str
    kind: EntryKind
    effective_date: date
    postings: tuple[PostingSpec, ...]
    memo: str = ""
    """Free text for the books; never a person's name or other personal data."""
    references: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    """What the money is about: `case`, `claim`, `confiscation`, `application`, ... -> id."""
    pending: bool = False
    """True: reserve now (lowers the available balance), post or void later."""
    expires_at: datetime | None = None
    """A pending transaction may not be posted after this instant (it can still be voided)."""
    exchange_rates: Mapping[str, Decimal] = field(default_factory=lambda: _NO_RATES)
    """For a transaction in several currencies: units of the country's currency per one unit of
    each other currency used, e.g. `{"EUR": Decimal("11.4700")}` for a Swedish fund."""


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What the core needs to know of an account to check a posting against it."""

    code: str
    type: AccountType
    currency: str
    country: str
    must_not_go_negative: bool
    available: Decimal
    """Available balance in the account's normal direction, before this request."""


def parse_amount(text: str, posting_index: int) -> Decimal:
    """A decimal string from the wire; exponents, NaN and infinities are refused."""
    if not _DECIMAL_TEXT.match(text):
        raise InvalidPosting(posting_index, 'the amount must be a decimal string such as "100.00"')
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid decimals
        raise InvalidPosting(posting_index, "the amount is not a decimal number") from exc


def check_precision(amount: Decimal, currency: str, posting_index: int) -> None:
    units = MINOR_UNITS.get(currency)
    if units is None:
        raise InvalidPosting(posting_index, f"currency {currency} is not accepted by the ledger")
    if amount != amount.quantize(Decimal(1).scaleb(-units)):
        raise PrecisionExceeded(posting_index, f"{currency} amounts have at most {units} decimals")


def check_account_code(code: str, country: str) -> None:
    if not _ACCOUNT_CODE.match(code) or not code.startswith(f"{country}/"):
        raise InvalidAccount(
            f"account code {code!r} must be the country code and up to five segments "
            f"separated by '/', such as {country}/fund/victims"
        )
    if code.rsplit("/", 1)[-1] in RESERVED_CODE_SUFFIXES:
        raise InvalidAccount(f"an account code may not end in /{code.rsplit('/', 1)[-1]}")


def check_owner(postings: Iterable[PostingSpec], owner: Owner) -> None:
    """Money on an account that belongs to a claim, an application or a case moves only for
    that owner: `owner` is whom the caller acts for (`claim:<id>`, or several), None for the
    generic ledger routes."""
    acting = acts_for(owner)
    for posting in postings:
        belongs_to = account_owner(posting.account_code)
        if belongs_to is not None and belongs_to not in acting:
            raise OwnedElsewhere(belongs_to, posting.account_code)


def check_transaction(spec: TransactionSpec) -> None:
    """Everything that can be checked without the accounts: shape, amounts, balance, rates."""
    _check_header(spec)
    totals: dict[str, Decimal] = {}
    for index, posting in enumerate(spec.postings):
        if posting.amount == 0 or not posting.amount.is_finite():
            raise NonPositiveAmount(index, "the amount must not be zero")
        if abs(posting.amount) >= MAX_AMOUNT:
            raise InvalidPosting(index, "the amount is too large")
        check_precision(posting.amount, posting.currency, index)
        totals[posting.currency] = totals.get(posting.currency, Decimal(0)) + posting.amount
    for currency, total in sorted(totals.items()):
        if total != 0:
            raise UnbalancedTransaction(currency, str(total))
    _check_rates(spec, set(totals))


def _check_header(spec: TransactionSpec) -> None:
    if spec.country not in COUNTRY_CURRENCY:
        raise InvalidTransaction(f"country {spec.country!r} is not one of the ledger's countries")
    if not 2 <= len(spec.postings) <= MAX_POSTINGS:
        raise InvalidTransaction(f"a transaction has between 2 and {MAX_POSTINGS} postings")
    if len(spec.memo) > 500:
        raise InvalidTransaction("the memo has at most 500 characters")
    for key, value in spec.references.items():
        if not _REFERENCE_KEY.match(key) or not 0 < len(value) <= 100:
            raise InvalidTransaction(
                "references are lowercase keys (case, claim, confiscation, application, ...) "
                "with values of 1 to 100 characters"
            )
    if spec.expires_at is not None:
        if not spec.pending:
            raise InvalidTransaction("only a pending transaction can have an expiry")
        if spec.expires_at.tzinfo is None:
            raise InvalidTransaction("the expiry must include a time zone")


def has_expired(spec: TransactionSpec, now: datetime) -> bool:
    return spec.expires_at is not None and spec.expires_at <= now


def check_not_expired(spec: TransactionSpec, now: datetime) -> None:
    """A reservation that has expired before it is made would hold money until the next sweep
    and could never be posted. Checked for new transactions only: a retry of one recorded in
    time still returns it."""
    if has_expired(spec, now):
        raise InvalidTransaction("the expiry has already passed; a reservation expires later")


def _check_rates(spec: TransactionSpec, currencies: set[str]) -> None:
    home = COUNTRY_CURRENCY[spec.country]
    if len(currencies) == 1:
        if spec.exchange_rates:
            raise InvalidTransaction("exchange rates are given only for several currencies")
        return
    wanted = currencies - {home}
    if set(spec.exchange_rates) != wanted:
        raise InvalidTransaction(
            f"a transaction in several currencies records the rate (in {home}) of exactly "
            f"these currencies: {', '.join(sorted(wanted))}"
        )
    for currency, rate in spec.exchange_rates.items():
        if not rate.is_finite() or rate <= 0:
            raise InvalidTransaction(f"the {currency} rate must be a positive number")
    for currency in sorted(currencies):
        if not any(
            p.account_code == exchange_account(spec.country, p.currency) and p.currency == currency
            for p in spec.postings
        ):
            raise InvalidTransaction(
                f"the {currency} postings must balance through "
                f"{exchange_account(spec.country, currency)}"
            )
    value = sum(
        (
            p.amount * (1 if p.currency == home else spec.exchange_rates[p.currency])
            for p in spec.postings
            if p.account_code == exchange_account(spec.country, p.currency)
        ),
        Decimal(0),
    )
    tolerance = Decimal(1).scaleb(-MINOR_UNITS[home]) * len(wanted)
    if abs(value) > tolerance:
        raise InvalidTransaction(
            f"the exchange postings do not match the recorded rates: they differ by "
            f"{value:.{MINOR_UNITS[home]}f} {home}"
        )


def check_against_accounts(spec: TransactionSpec, accounts: Mapping[str, AccountFacts]) -> None:
    for index, posting in enumerate(spec.postings):
        account = accounts.get(posting.account_code)
        if account is None:
            raise UnknownAccount(index, f"there is no account {posting.account_code}")
        if account.country != spec.country:
            raise ForeignAccount(index, f"account {account.code} belongs to another country's fund")
        if account.currency != posting.currency:
            raise CurrencyMismatch(
                index,
                f"account {account.code} is kept in {account.currency}, not {posting.currency}",
            )


def check_funds(
    specs: Sequence[TransactionSpec], accounts: Mapping[str, AccountFacts], *, batch: bool
) -> None:
    """Refuse the first posting that takes a guarded account's available balance below zero.

    Follows the order PostgreSQL applies them in (transactions in order; within one, money in
    before money out), so it refuses exactly what the database's CHECK would refuse. Pending money
    out lowers the available balance at once; pending money in counts only when posted.
    """
    available = {code: facts.available for code, facts in accounts.items()}
    for tx_index, spec in enumerate(specs):
        for posting in spec.postings:
            facts = accounts[posting.account_code]
            change = posting.amount * facts.type.normal_sign
            if change > 0 and not spec.pending:
                available[facts.code] += change
        for index, posting in enumerate(spec.postings):
            facts = accounts[posting.account_code]
            change = posting.amount * facts.type.normal_sign
            if change < 0:
                available[facts.code] += change
                if facts.must_not_go_negative and available[facts.code] < 0:
                    error = InsufficientFunds(index, facts.code)
                    if batch:
                        error.transaction_index = tx_index
                    raise error


def mirror(postings: Iterable[PostingSpec]) -> tuple[PostingSpec, ...]:
    """The postings that undo `postings`."""
    return tuple(replace(p, amount=-p.amount) for p in postings)


def fingerprint(spec: TransactionSpec) -> str:
    """A stable digest of everything a transaction says, to recognise a retry."""
    canonical = {
        "country": spec.country,
        "kind": str(spec.kind),
        "effective_date": spec.effective_date.isoformat(),
        "postings": [[p.account_code, _canonical(p.amount), p.currency] for p in spec.postings],
        "memo": spec.memo,
        "references": dict(sorted(spec.references.items())),
        "pending": spec.pending,
        "expires_at": spec.expires_at.isoformat() if spec.expires_at else None,
        "exchange_rates": {k: _canonical(v) for k, v in sorted(spec.exchange_rates.items())},
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _canonical(amount: Decimal) -> str:
    """`100`, `100.0` and `100.00` are the same amount."""
    normal = amount.normalize()
    return format(normal, "f") if normal != 0 else "0"
