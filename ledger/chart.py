"""The standard chart of accounts of each country's fund, as data.

The migration `0003_ledger` writes the same chart into every database (a test proves the two
agree). Accounts that exist per case, claim or application (`earmarked/<case>`,
`payable/award/<claim>`, `payable/return/<application>`, `receivable/overpaid/<claim>`) are
created on demand by the services that need them, with :func:`earmarked`, :func:`award_payable`,
:func:`return_payable` and :func:`overpaid_receivable`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Literal, get_args


class AccountType(StrEnum):
    """ "Accounting is a type system": asset and expense accounts grow with debits; liability,
    fund equity and income accounts grow with credits."""

    ASSET = "asset"
    LIABILITY = "liability"
    FUND_EQUITY = "fund_equity"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def normal_sign(self) -> int:
        """+1 when a debit (positive amount) increases the balance, -1 when a credit does."""
        return 1 if self in (AccountType.ASSET, AccountType.EXPENSE) else -1


COUNTRY_CURRENCY: Mapping[str, str] = MappingProxyType(
    {
        "DK": "DKK",
        "EE": "EUR",
        "FI": "EUR",
        "IS": "ISK",
        "LT": "EUR",
        "LV": "EUR",
        "NO": "NOK",
        "SE": "SEK",
    }
)
"""The currency each country's fund keeps its books in."""

MINOR_UNITS: Mapping[str, int] = MappingProxyType(
    {
        "CHF": 2,
        "DKK": 2,
        "EUR": 2,
        "GBP": 2,
        "ISK": 0,
        "NOK": 2,
        "PLN": 2,
        "SEK": 2,
        "USD": 2,
    }
)
"""ISO 4217 minor units of the currencies the ledger accepts (the `ledger_currency` table)."""

Country = Literal["DK", "EE", "FI", "IS", "LT", "LV", "NO", "SE"]
"""The funds' countries on the wire (the keys of COUNTRY_CURRENCY)."""
Currency = Literal["CHF", "DKK", "EUR", "GBP", "ISK", "NOK", "PLN", "SEK", "USD"]
"""The currencies on the wire (the keys of MINOR_UNITS)."""
if set(get_args(Country)) != set(COUNTRY_CURRENCY) or set(get_args(Currency)) != set(MINOR_UNITS):
    raise RuntimeError("the wire's countries and currencies must be those of the ledger")

EXCHANGE_CURRENCIES: tuple[str, ...] = ("DKK", "EUR", "ISK", "NOK", "SEK")
"""Currencies each fund has an exchange account for in its standard chart (the region's)."""


@dataclass(frozen=True, slots=True)
class AccountDefinition:
    code: str
    name: str
    type: AccountType
    currency: str
    country: str
    must_not_go_negative: bool = False


def standard_chart(country: str) -> tuple[AccountDefinition, ...]:
    """Every account a country's fund starts with."""
    home = COUNTRY_CURRENCY[country]

    def account(
        suffix: str, name: str, type_: AccountType, *, currency: str = home, guarded: bool = False
    ) -> AccountDefinition:
        return AccountDefinition(f"{country}/{suffix}", name, type_, currency, country, guarded)

    return (
        account("bank", "Bank account of the fund", AccountType.ASSET, guarded=True),
        account("assets/confiscated", "Confiscated assets not yet realised", AccountType.ASSET),
        account("fund/victims", "Victims' fund", AccountType.FUND_EQUITY, guarded=True),
        account(
            "fund/support-services",
            "Fund for victim-support services",
            AccountType.FUND_EQUITY,
            guarded=True,
        ),
        account("income/appropriation", "State appropriations", AccountType.INCOME),
        account("income/confiscation", "Confiscated criminal assets", AccountType.INCOME),
        account("income/recovery", "Recoveries from offenders", AccountType.INCOME),
        account(
            "expense/support-services", "Grants to victim-support services", AccountType.EXPENSE
        ),
        *(
            account(
                f"exchange/{currency}",
                f"Currency exchange position in {currency}",
                AccountType.ASSET,
                currency=currency,
            )
            for currency in EXCHANGE_CURRENCIES
        ),
    )


def all_standard_accounts() -> tuple[AccountDefinition, ...]:
    return tuple(a for country in sorted(COUNTRY_CURRENCY) for a in standard_chart(country))


def earmarked(country: str, case: str) -> AccountDefinition:
    """Money allocated to the victims of one confiscation case."""
    return AccountDefinition(
        f"{country}/earmarked/{case}",
        "Earmarked for the victims of one case",
        AccountType.FUND_EQUITY,
        COUNTRY_CURRENCY[country],
        country,
        must_not_go_negative=True,
    )


def award_payable(country: str, claim_id: str, currency: str | None = None) -> AccountDefinition:
    """What the fund owes on one approved compensation claim; never below zero."""
    return AccountDefinition(
        f"{country}/payable/award/{claim_id}",
        "Award payable on one claim",
        AccountType.LIABILITY,
        currency or COUNTRY_CURRENCY[country],
        country,
        must_not_go_negative=True,
    )


def return_payable(
    country: str, application_id: str, currency: str | None = None
) -> AccountDefinition:
    """What the fund owes on one approved return-assistance application; never below zero."""
    return AccountDefinition(
        f"{country}/payable/return/{application_id}",
        "Return assistance payable on one application",
        AccountType.LIABILITY,
        currency or COUNTRY_CURRENCY[country],
        country,
        must_not_go_negative=True,
    )


def overpaid_receivable(
    country: str, claim_id: str, currency: str | None = None
) -> AccountDefinition:
    """What she was paid beyond an award an appeal lowered: owed back to the fund until repaid
    or waived; never below zero."""
    return AccountDefinition(
        f"{country}/receivable/overpaid/{claim_id}",
        "Overpayment receivable on one claim",
        AccountType.ASSET,
        currency or COUNTRY_CURRENCY[country],
        country,
        must_not_go_negative=True,
    )


OWNED_ACCOUNT_PATTERN = (
    r"^[A-Z]{2}/(payable/award|payable/return|receivable/overpaid|earmarked)/([^/]+)$"
)
"""Accounts that belong to one claim, one application or one confiscation case. The database
derives the same owner from the same pattern (the generated column `ledger_account.owner`,
migrations 0010, 0014 and 0020)."""

_OWNED_ACCOUNT = re.compile(OWNED_ACCOUNT_PATTERN)
_OWNER_KIND = MappingProxyType(
    {
        "payable/award": "claim",
        "receivable/overpaid": "claim",
        "payable/return": "application",
        "earmarked": "case",
    }
)

Owner = str | frozenset[str] | None
"""Whom a caller of the ledger acts for: one owner (`claim:<id>`), several (a claim's award drawn
on its case's earmark acts for `claim:<id>` and `case:<case>`), or None (the generic routes)."""


def acts_for(owner: Owner) -> frozenset[str]:
    if owner is None:
        return frozenset()
    return frozenset({owner}) if isinstance(owner, str) else owner


def account_owner(code: str) -> str | None:
    """`claim:<id>`, `application:<id>` or `case:<case>` for an account that belongs to one,
    else None.

    Money on such an account moves only through its owner's own routes: the ledger refuses a
    caller that does not act for that owner. A case's earmarked money moves through the
    confiscation routes (realisation, release) and the awards of claims in that case.
    """
    match = _OWNED_ACCOUNT.match(code)
    if match is None:
        return None
    return f"{_OWNER_KIND[match.group(1)]}:{match.group(2)}"


def exchange_account(country: str, currency: str) -> str:
    return f"{country}/exchange/{currency}"
