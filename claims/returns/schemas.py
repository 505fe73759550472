"""The wire of return assistance: msgspec Structs for every request and answer.

Amounts travel as decimal strings; rates as decimal strings in units of the paying fund's
currency per one unit of the payee's (`"11.4700"` SEK per EUR).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from claims.schemas import CountryCode, CurrencyCode, Reference, ShortText, Struct, Text
from policies import ReturnItem

Town = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
BankAccount = Annotated[str, msgspec.Meta(min_length=5, max_length=60)]
Travellers = Annotated[int, msgspec.Meta(ge=0, le=20)]
RiskLevel = Literal["low", "medium", "high"]
Capacity = Literal["adequate", "limited", "insufficient"]


class ReceivingOrganisationIn(Struct):
    name: ShortText
    country: CountryCode
    currency: CurrencyCode
    """The currency it is paid in."""
    bank_account: BankAccount
    """IBAN; stored encrypted like her own bank details."""


class RequestedItemIn(Struct):
    item: ReturnItem
    amount: Decimal
    """In `currency`, which must be the paying fund's."""
    currency: CurrencyCode


class ApplicationCreate(Struct, kw_only=True):
    claimant_id: uuid.UUID
    country: CountryCode
    """The paying country: where the exploitation took place."""
    return_country: CountryCode
    return_town: Town
    receiving_organisation: ReceivingOrganisationIn
    items: Annotated[list[RequestedItemIn], msgspec.Meta(min_length=1, max_length=10)]
    planned_on: date
    """Planned date of departure."""
    adults: Annotated[int, msgspec.Meta(ge=1, le=20)] = 1
    children: Travellers = 0


class ConsentWithdrawal(Struct):
    reason: Text | None = None
    """Optional: she owes no one a reason."""


class RiskAssessmentIn(Struct):
    level: RiskLevel
    safety_plan_in_place: bool
    receiving_capacity: Capacity
    """The receiving structure's capacity to protect her."""
    justification: Text | None = None
    """Required for a high level: why a return is still responsible."""


class NeedsAssessmentIn(Struct):
    housing: bool
    health_care: bool
    counselling: bool
    financial_assistance: bool
    job_training: bool
    notes: Text | None = None


class RiskConfirmationIn(Struct):
    reason: Text | None = None


class ExchangeRateIn(Struct):
    rate: Decimal
    """Units of the paying fund's currency per one unit of the payee's."""
    source: ShortText
    """Where the rate comes from (e.g. "Riksbanken daily rate")."""
    date: date


class ApprovalIn(Struct):
    reason: Text | None = None
    exchange_rate: ExchangeRateIn | None = None
    """Required when the receiving organisation is paid in another currency than the fund's."""


class InstalmentPaymentIn(Struct):
    amount: Decimal
    """What the receiving organisation receives: the instalment's amount in its currency."""
    currency: CurrencyCode
    paid_on: date
    exchange_rate: ExchangeRateIn | None = None
    """Required when paid in another currency than the fund's."""
    bank_reference: Reference | None = None


class StatusChangeIn(Struct):
    reason: Text


class FollowUpIn(Struct):
    contact_on: date
    contact_made: bool
    safe: bool | None = None
    situation: Text | None = None


class RequestedItemView(Struct):
    item: str
    amount: Decimal
    currency: str


class GrantedItemView(Struct):
    item: str
    requested: Decimal
    granted: Decimal
    months: int
    reference: str
    note: str


class ReceivingOrganisationView(Struct):
    name: str
    country: str
    currency: str
    bank_account: str | None
    """None in lists and once her data is erased."""


class RecordView(Struct):
    id: uuid.UUID
    """A consent record's signed document is read at `consent-documents/<id>`."""
    kind: str
    outcome: str
    details: dict[str, bool | str | None]
    recorded_by: uuid.UUID
    recorded_at: datetime
    document_sha256: str | None


class InstalmentView(Struct):
    position: int
    due_on: date
    items: list[str]
    amount: Decimal
    currency: str
    payee_amount: Decimal
    payee_currency: str
    status: str
    paid_on: date | None
    paid_fund_amount: Decimal | None
    rate: Decimal | None
    rate_source: str | None
    rate_date: date | None
    reservation_transaction_id: uuid.UUID
    payment_transaction_id: uuid.UUID | None


class FollowUpView(Struct):
    contact_on: date
    contact_made: bool
    safe: bool | None
    recorded_by: uuid.UUID
    recorded_at: datetime


class Application(Struct):
    id: uuid.UUID
    reference: str
    claimant_id: uuid.UUID
    status: str
    country: str
    currency: str
    return_country: str
    return_town: str
    adults: int
    children: int
    planned_on: date
    receiving_organisation: ReceivingOrganisationView
    requested: list[RequestedItemView]
    granted: list[GrantedItemView]
    granted_total: Decimal
    missing_records: list[str]
    """What approval still waits for (empty once approvable)."""
    records: list[RecordView]
    instalments: list[InstalmentView]
    follow_ups: list[FollowUpView]
    next_follow_up_due: date | None
    follow_up_overdue: bool
    approval_rate: Decimal | None
    approved_by: uuid.UUID | None
    approved_at: datetime | None
    status_reason: str | None
    allowed_events: list[str]
    created_at: datetime
    version: int


class ApplicationSummary(Struct):
    """A queue line: no personal data."""

    id: uuid.UUID
    reference: str
    status: str
    country: str
    return_country: str
    planned_on: date
    missing_records: list[str]
    next_follow_up_due: date | None
    follow_up_overdue: bool


class HistoryStep(Struct):
    """One audited step of an application: who, when, what, and the state it left."""

    seq: int
    """Position in the audit trail (its hash chain)."""
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor_username: str | None
    """The staff member's work handle; None for a worker acting for nobody."""
    action: str
    """`return_assistance.<step>`: apply, consent, approve, pay_instalment, pause, ..."""
    status: str | None
    """The application's status after the step."""
    version: int | None
    """The application's version after the step (its ETag then)."""
