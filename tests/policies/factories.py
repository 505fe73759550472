"""Short builders for claim facts, so a table row reads like the case it describes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from policies import (
    ClaimFacts,
    HeadCategory,
    HeadClaim,
    MaterialLossKind,
    NonMaterialKind,
    PriorPayment,
)
from policies.base import PriorPaymentSource

CURRENCY = {
    "DK": "DKK",
    "EE": "EUR",
    "FI": "EUR",
    "IS": "ISK",
    "LT": "EUR",
    "LV": "EUR",
    "NO": "NOK",
    "SE": "SEK",
    "XN": "EUR",
}


def non_material(country: str, amount: str, kind: NonMaterialKind | None = None) -> HeadClaim:
    return HeadClaim(HeadCategory.NON_MATERIAL, Decimal(amount), CURRENCY[country], kind)


def material(
    country: str, amount: str, kind: MaterialLossKind = MaterialLossKind.MEDICAL
) -> HeadClaim:
    return HeadClaim(HeadCategory.MATERIAL_LOSS, Decimal(amount), CURRENCY[country], kind)


def withheld(country: str, amount: str) -> HeadClaim:
    return HeadClaim(HeadCategory.WITHHELD_EARNINGS, Decimal(amount), CURRENCY[country])


def paid(
    country: str,
    source: PriorPaymentSource,
    amount: str,
    category: HeadCategory | None = None,
) -> PriorPayment:
    return PriorPayment(source, Decimal(amount), CURRENCY[country], category)


def facts(
    country: str,
    *heads: HeadClaim,
    crime: date = date(2023, 3, 1),
    applied: date = date(2023, 9, 1),
    police: bool = True,
    offence: str = "trafficking",
    **more: object,
) -> ClaimFacts:
    return ClaimFacts(
        country=country,
        offence=offence,
        crime_date=crime,
        application_date=applied,
        heads=heads,
        reported_to_police=police,
        **more,  # type: ignore[arg-type]
    )
