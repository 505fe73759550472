"""Amounts on claims: exact decimals in the deciding country's currency, never float."""

from __future__ import annotations

from decimal import Decimal

from claims.errors import InvalidClaimData
from ledger import COUNTRY_CURRENCY, MINOR_UNITS

MAX_AMOUNT = Decimal("1000000000")
"""No claim, award or payment comes near this; a larger figure is a typing error."""


def country_currency(country: str) -> str:
    """The currency `country`'s fund decides and pays in; InvalidClaimData for an unknown one."""
    try:
        return COUNTRY_CURRENCY[country]
    except KeyError:
        raise InvalidClaimData("country", "not one of the funds' countries") from None


def check_amount(
    field: str, amount: Decimal, currency: str, expected_currency: str, *, allow_zero: bool = False
) -> Decimal:
    """`amount` if it is a finite, positive (or zero, when allowed) figure in the expected
    currency with no more decimals than the currency has; else InvalidClaimData naming `field`."""
    if currency != expected_currency:
        raise InvalidClaimData(
            field, f"must be in {expected_currency}, the deciding country's currency"
        )
    if not amount.is_finite():
        raise InvalidClaimData(field, "must be a number")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise InvalidClaimData(
            field, "must be positive" if not allow_zero else "must not be negative"
        )
    if amount > MAX_AMOUNT:
        raise InvalidClaimData(field, "is implausibly large")
    exponent = amount.normalize().as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if decimals > MINOR_UNITS[expected_currency]:
        raise InvalidClaimData(
            field, f"{expected_currency} has {MINOR_UNITS[expected_currency]} decimals"
        )
    return amount
