"""The wire shapes of money in and grants out (msgspec Structs; money as decimal strings)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from fundadmin.funding.models import ConfiscationOrder, EarmarkRelease, FundMovement, Realisation
from fundadmin.funding.services import Earmark

Money = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$",
        description="An amount as a JSON string of digits with at most the currency's decimals "
        '(ISK 0, others 2), e.g. "1000.00"; never a JSON number.',
        examples=["1000.00"],
    ),
]
CountryCode = Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}$", examples=["SE"])]
CurrencyCode = Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$", examples=["SEK"])]
CaseReference = Annotated[
    str,
    msgspec.Meta(
        pattern="^[A-Za-z0-9._-]{1,60}$",
        description="The court's case number (letters, digits, . _ -); names the earmarked account",
        examples=["B-1234-25"],
    ),
]
Text200 = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Text500 = Annotated[str, msgspec.Meta(max_length=500)]


class ConfiscationIn(msgspec.Struct, forbid_unknown_fields=True):
    country: CountryCode
    court: Text200
    case_reference: CaseReference
    ordered_on: date
    description: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    """What was confiscated; never a person's name."""
    estimated_value: Money
    currency: CurrencyCode


class RealisationIn(msgspec.Struct, forbid_unknown_fields=True):
    received_on: date
    """The day the cash reached the fund's bank account."""
    amount: Money
    currency: CurrencyCode


class RealisationOut(msgspec.Struct):
    id: uuid.UUID
    received_on: date
    amount: str
    currency: str
    case_victims: str
    """Earmarked for the case's victims."""
    victims_fund: str
    support_services: str
    policy_reference: str
    """The rule the split followed."""
    release_due_on: date
    """From this day what is left of the earmarked part goes to the victims' fund."""
    transaction_id: uuid.UUID


class ConfiscationOut(msgspec.Struct):
    id: uuid.UUID
    country: str
    court: str
    case_reference: str
    ordered_on: date
    description: str
    estimated_value: str
    currency: str
    version: int
    realised: str
    """Sum of the realisations so far."""
    realisations: list[RealisationOut]
    earmark_account: str


class EarmarkOut(msgspec.Struct):
    country: str
    case_reference: str
    account: str
    currency: str
    realised: str
    available: str
    waiting: str
    releasable: str
    next_release_on: date | None


class ReleaseIn(msgspec.Struct, forbid_unknown_fields=True):
    country: CountryCode | None = None
    """One country; absent: every country the caller administers."""


class ReleaseOut(msgspec.Struct):
    id: uuid.UUID
    country: str
    case_reference: str
    amount: str
    currency: str
    released_on: date
    reason: str
    transaction_id: uuid.UUID


class ReleaseList(msgspec.Struct):
    items: list[ReleaseOut]


class AppropriationIn(msgspec.Struct, forbid_unknown_fields=True):
    country: CountryCode
    received_on: date
    amount: Money
    currency: CurrencyCode
    reference: Text200
    """Budget act and line."""
    purpose: Text500 = ""
    fund: Literal["victims", "support_services"] = "victims"


class RecoveryIn(msgspec.Struct, forbid_unknown_fields=True):
    country: CountryCode
    received_on: date
    amount: Money
    currency: CurrencyCode
    court_reference: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    """Court and case number of the judgment against the offender."""
    offender_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    """Stored encrypted; never returned."""
    reference: Text200
    """The payment's reference."""
    claim_id: uuid.UUID | None = None
    case_reference: CaseReference | None = None


class GrantIn(msgspec.Struct, forbid_unknown_fields=True):
    country: CountryCode
    paid_on: date
    amount: Money
    currency: CurrencyCode
    organisation: Text200
    """The NGO or support service receiving the grant."""
    reference: Text200
    """The grant decision."""
    purpose: Text500 = ""


class MovementOut(msgspec.Struct):
    """An appropriation, a recovery or a grant (a recovery's offender name is never shown)."""

    id: uuid.UUID
    kind: str
    country: str
    effective_date: date
    amount: str
    currency: str
    reference: str
    purpose: str
    transaction_id: uuid.UUID
    organisation: str | None = None
    court_reference: str | None = None
    case_reference: str | None = None
    claim_id: uuid.UUID | None = None


def money(value: Decimal) -> str:
    return format(value, "f")


def realisation_out(row: Realisation) -> RealisationOut:
    return RealisationOut(
        id=row.id,
        received_on=row.received_on,
        amount=money(row.amount),
        currency=row.currency,
        case_victims=money(row.case_victims),
        victims_fund=money(row.victims_fund),
        support_services=money(row.support_services),
        policy_reference=row.policy_reference,
        release_due_on=row.release_due_on,
        transaction_id=row.transaction_id,
    )


def confiscation_out(
    order: ConfiscationOrder, realisations: list[Realisation], earmark_account: str
) -> ConfiscationOut:
    return ConfiscationOut(
        id=order.id,
        country=order.country,
        court=order.court,
        case_reference=order.case_reference,
        ordered_on=order.ordered_on,
        description=order.description,
        estimated_value=money(order.estimated_value),
        currency=order.currency,
        version=order.version,
        realised=money(sum((r.amount for r in realisations), Decimal(0))),
        realisations=[realisation_out(r) for r in realisations],
        earmark_account=earmark_account,
    )


def earmark_out(earmark: Earmark, account: str) -> EarmarkOut:
    return EarmarkOut(
        country=earmark.country,
        case_reference=earmark.case_reference,
        account=account,
        currency=earmark.currency,
        realised=money(earmark.realised),
        available=money(earmark.available),
        waiting=money(earmark.waiting),
        releasable=money(earmark.releasable),
        next_release_on=earmark.next_release_on,
    )


def release_out(row: EarmarkRelease) -> ReleaseOut:
    return ReleaseOut(
        id=row.id,
        country=row.country,
        case_reference=row.case_reference,
        amount=money(row.amount),
        currency=row.currency,
        released_on=row.released_on,
        reason=row.reason,
        transaction_id=row.transaction_id,
    )


def movement_out(row: FundMovement) -> MovementOut:
    return MovementOut(
        id=row.id,
        kind=row.kind,
        country=row.country,
        effective_date=row.effective_date,
        amount=money(row.amount),
        currency=row.currency,
        reference=row.reference,
        purpose=row.purpose,
        transaction_id=row.transaction_id,
        organisation=row.organisation,
        court_reference=row.court_reference,
        case_reference=row.case_reference,
        claim_id=row.claim_id,
    )
