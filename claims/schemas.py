"""The wire: msgspec Structs for every request and response of the claims API.

Amounts travel as decimal strings (`"60000.00"`), never as binary floating point.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from claims.decision import Outcome
from claims.letters import LetterLanguage
from claims.workflow import ClaimEvent, ClaimStatus
from ledger.chart import Country, Currency
from policies.base import HeadCategory, SubKindName

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
CurrencyCode = Currency
CountryCode = Country
IdentificationStatus = Literal["presumed", "identified"]
MandateScope = Literal["compensation", "appeals", "return_assistance", "payments"]
PriorPaymentSource = Literal["offender", "insurance", "other_scheme", "advance"]


class Struct(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=False):
    pass


# --- claimants -------------------------------------------------------------------------------


class MandateIn(Struct):
    signed_on: date
    """Date the claimant signed the mandate."""
    scope: Annotated[list[MandateScope], msgspec.Meta(min_length=1)]
    """What the adviser may do for her."""


class PersonalData(Struct):
    """Her personal fields: encrypted at rest, never logged, never in a URL."""

    given_names: ShortText
    family_name: ShortText
    birth_date: date | None = None
    """Not in the future (422)."""
    address: Text | None = None
    phone: Annotated[str, msgspec.Meta(max_length=50)] | None = None
    email: Annotated[str, msgspec.Meta(max_length=254)] | None = None
    bank_account: Annotated[str, msgspec.Meta(max_length=60)] | None = None
    """IBAN or national account number awards are paid to."""
    statement: Annotated[str, msgspec.Meta(max_length=20000)] | None = None
    """Her account of what happened, in her words."""


class ClaimantCreate(Struct):
    personal: PersonalData
    preferred_language: LetterLanguage
    """ISO 639-1 code of the language her letters are written in (one letters exist in)."""
    identification_status: IdentificationStatus
    """`presumed` or `identified` victim: both may claim."""
    mandate: MandateIn
    confidential_address: bool = False
    """Her address is protected: only her organisation sees it."""


class PersonalDataPatch(Struct):
    """Her personal fields to change: a field left out keeps its value, `null` clears it (her
    names cannot be cleared)."""

    given_names: ShortText | UnsetType = UNSET
    family_name: ShortText | UnsetType = UNSET
    birth_date: date | UnsetType | None = UNSET
    address: Text | UnsetType | None = UNSET
    phone: Annotated[str, msgspec.Meta(max_length=50)] | UnsetType | None = UNSET
    email: Annotated[str, msgspec.Meta(max_length=254)] | UnsetType | None = UNSET
    bank_account: Annotated[str, msgspec.Meta(max_length=60)] | UnsetType | None = UNSET
    statement: Annotated[str, msgspec.Meta(max_length=20000)] | UnsetType | None = UNSET


class ClaimantUpdate(Struct):
    """A JSON merge patch (RFC 7396) of the claimant: a field left out keeps its value, so
    changing her phone is `{"personal": {"phone": "+46 70 111 11 11"}}`."""

    personal: PersonalDataPatch | UnsetType = UNSET
    preferred_language: LetterLanguage | UnsetType = UNSET
    identification_status: IdentificationStatus | UnsetType = UNSET
    confidential_address: bool | UnsetType = UNSET


class MandateView(Struct):
    adviser_id: uuid.UUID
    signed_on: date
    scope: list[str]
    document_id: uuid.UUID | None
    """The uploaded mandate, if any."""


class PersonalDataView(Struct):
    given_names: str | None
    family_name: str | None
    birth_date: date | None
    address: str | None
    """None when unknown, or withheld because the address is confidential."""
    address_withheld: bool
    phone: str | None
    email: str | None
    bank_account: str | None
    statement: str | None


class Claimant(Struct):
    id: uuid.UUID
    reference: str
    preferred_language: str
    confidential_address: bool
    identification_status: str
    mandate: MandateView
    personal: PersonalDataView | None
    """None once her data has been erased."""
    erased: bool
    created_at: datetime
    version: int


class ClaimantSummary(Struct):
    """A line of a list: no personal data, so lists are never decrypted or audited per person."""

    id: uuid.UUID
    reference: str
    identification_status: str
    preferred_language: str
    created_at: datetime


# --- claims ----------------------------------------------------------------------------------


class HeadIn(Struct):
    category: HeadCategory
    amount_claimed: Decimal
    """Amount claimed for this head, in `currency`."""
    currency: CurrencyCode
    sub_kind: SubKindName | None = None
    """Required for `material_loss` (medical, property, lost_income, other); optional for
    `non_material` (pain_and_suffering, violation: the default, permanent_injury); absent for
    `withheld_earnings`."""


class PriorPaymentIn(Struct):
    source: PriorPaymentSource
    amount: Decimal
    currency: CurrencyCode
    category: HeadCategory | None = None


class ClaimDraft(Struct, kw_only=True):
    """The facts of a claim and its heads of damage, as the adviser states them."""

    offence: Annotated[str, msgspec.Meta(pattern="^[a-z_]{3,60}$")]
    """Keyword of the offence, e.g. `trafficking`."""
    crime_date: date
    reported_to_police: bool
    heads: Annotated[list[HeadIn], msgspec.Meta(min_length=1, max_length=20)]
    crime_place: Annotated[str, msgspec.Meta(max_length=120)] | None = None
    """Municipality or region, never a street address."""
    crime_in_country: bool = True
    resident_in_country: bool | None = None
    police_case_reference: Reference | None = None
    police_report_date: date | None = None
    """When the crime was reported to the police (Denmark: within 72 hours of the crime)."""
    judgment_reference: Reference | None = None
    judgment_date: date | None = None
    proceedings_end_date: date | None = None
    victim_recognition_date: date | None = None
    is_minor_at_crime: bool | None = None
    court_awarded: Decimal | None = None
    """Damages a court ordered the offender to pay, in the country's currency."""
    earmarked_case: Annotated[str, msgspec.Meta(pattern="^[A-Za-z0-9._-]{1,60}$")] | None = None
    """Confiscation case whose earmarked money pays the award; absent: the victims' fund."""
    prior_payments: Annotated[list[PriorPaymentIn], msgspec.Meta(max_length=20)] = []


class ClaimCreate(ClaimDraft, kw_only=True):
    claimant_id: uuid.UUID
    country: CountryCode
    """The deciding country, whose law and fund apply."""


class HeadView(Struct):
    position: int
    category: str
    sub_kind: str | None
    amount_claimed: Decimal
    currency: str
    proposed: Decimal | None
    awarded: Decimal | None
    decision_reason: str | None


class PriorPaymentView(Struct):
    source: str
    amount: Decimal
    currency: str
    category: str | None


class DecisionView(Struct):
    outcome: Outcome
    awarded_total: Decimal
    reason: str | None
    decided_at: datetime | None
    decided_by: uuid.UUID | None
    confirmed_at: datetime | None
    confirmed_by: uuid.UUID | None
    requires_second_approval: bool
    second_approval_threshold: Decimal | None


class Claim(Struct):
    id: uuid.UUID
    reference: str
    claimant_id: uuid.UUID
    country: str
    currency: str
    status: ClaimStatus
    version: int
    allowed_events: list[ClaimEvent]
    """What you (the caller) can do next and would succeed: your role on the claim, what is owed
    and the four-eyes rule are taken into account."""
    offence: str
    crime_date: date
    crime_place: str | None
    crime_in_country: bool
    resident_in_country: bool | None
    reported_to_police: bool
    police_case_reference: str | None
    police_report_date: date | None
    judgment_reference: str | None
    judgment_date: date | None
    proceedings_end_date: date | None
    victim_recognition_date: date | None
    is_minor_at_crime: bool | None
    court_awarded: Decimal | None
    earmarked_case: str | None
    no_proposal_code: str | None
    """Set when the last assessment could make no proposal (decide by hand, a reason per head)."""
    no_proposal_reason: str | None
    heads: list[HeadView]
    prior_payments: list[PriorPaymentView]
    claimed_total: Decimal
    created_at: datetime
    submitted_at: datetime | None
    updated_at: datetime
    decision: DecisionView | None
    letter_issued_at: datetime | None
    letter_languages: list[str] | None
    paid_total: Decimal
    outstanding: Decimal
    """Awarded, letter issued, not yet paid."""
    overpayment: OverpaymentView | None = None
    """Set once an appeal lowered the award below what was paid: what she owes back."""


class ClaimSummary(Struct):
    id: uuid.UUID
    reference: str
    country: str
    currency: str
    status: ClaimStatus
    claimed_total: Decimal
    awarded_total: Decimal | None
    submitted_at: datetime | None
    days_since_submission: int | None
    """Whole days since submission on the service's date (the age in the review queue)."""
    updated_at: datetime


class ClaimPage(Struct):
    """A numbered page of claims for the web pages (the API pages by cursor instead)."""

    items: list[ClaimSummary]
    total: int
    limit: int
    offset: int


class TransitionView(Struct):
    event: ClaimEvent
    from_status: ClaimStatus | None
    to_status: ClaimStatus
    actor_id: uuid.UUID
    occurred_at: datetime
    reason: str | None
    version: int
    amount: Decimal | None = None
    """For an overpayment's steps: the amount found overpaid, asked back, waived or repaid, in
    the claim's currency."""


# --- steps of the lifecycle ------------------------------------------------------------------


class StepRequest(Struct):
    """A lifecycle step; `reason` is recorded with who and when."""

    reason: Text | None = None


class ReasonRequired(Struct):
    reason: Text


class AssessmentRequest(Struct):
    as_of: date | None = None
    """Date whose parameters apply; default today."""
    reason: Text | None = None


class RuleApplicationView(Struct):
    rule: str
    input: str
    effect: str
    reference: str
    layer: str


class FindingView(Struct):
    code: str
    severity: str
    message: str
    reference: str


class HeadAssessmentView(Struct):
    position: int
    category: str
    sub_kind: str | None
    claimed: Decimal
    proposed: Decimal | None
    """None when no proposal could be made (see the assessment's `no_proposal_code`)."""
    trace: list[RuleApplicationView]


# On the wire every total is `<what>_total` (claimed_total, awarded_total, proposed_total); the
# stored assessment keeps its own key.
class AssessmentView(Struct, rename={"total_proposed": "proposed_total"}):
    country: str
    currency: str
    as_of: date
    heads: list[HeadAssessmentView]
    findings: list[FindingView]
    total_proposed: Decimal | None
    second_approval_threshold: Decimal
    requires_second_approval: bool
    trace: list[RuleApplicationView]
    assessed_at: datetime
    assessed_by: uuid.UUID
    no_proposal_code: str | None = None
    """Set when the policy could make no proposal: `parameter-lapsed` or
    `parameter-not-in-force`; the administrator then decides by hand, a reason per head."""
    no_proposal_reason: str | None = None


class HeadDecisionIn(Struct):
    position: int
    awarded: Decimal
    """Amount awarded for this head, in the claim's currency (0 rejects the head)."""
    reason: Text | None = None
    """Required when the award is below the claim or departs from the proposal."""


class DecisionRequest(Struct):
    heads: Annotated[list[HeadDecisionIn], msgspec.Meta(min_length=1, max_length=20)]
    reason: Text
    """The reasons for the decision as a whole."""


class ApprovalRequest(Struct):
    approve: bool = True
    """True confirms the decision; False sends it back to review (the reservation is voided)."""
    reason: Text | None = None


class InformationRequestCreate(Struct):
    question: Text
    """What the administrator needs; sent to the adviser. No personal data needed here."""
    due_date: date | None = None


class InformationAnswer(Struct):
    answer: Annotated[str, msgspec.Meta(min_length=1, max_length=20000)]


class InformationRequestView(Struct):
    id: uuid.UUID
    question: str
    due_date: date | None
    requested_by: uuid.UUID
    requested_at: datetime
    answered: bool
    answered_by: uuid.UUID | None
    answered_at: datetime | None
    answer: str | None
    """The answer (decrypted), or None when unanswered or her data is erased."""


class PaymentCreate(Struct):
    amount: Decimal
    currency: CurrencyCode
    paid_on: date
    """Value date of the transfer."""
    bank_reference: Reference | None = None


OverpaymentDecisionName = Literal["recover", "waive"]
OverpaymentState = Literal["owed", "recovering", "awaiting_second_approval", "settled"]


class OverpaymentDecision(Struct):
    """Ask for the overpayment back (`recover`) or write it off (`waive`); the reason is kept
    and shown to the second administrator when a waiver needs one."""

    decision: OverpaymentDecisionName
    reason: Text
    amount: Decimal | None = None
    """For a waiver: how much of what she owes is written off (all of it when omitted); the rest
    is asked back. Four eyes when this amount is above the waiver threshold."""
    currency: CurrencyCode | None = None
    """The currency of `amount` (the claim's; taken as the claim's when omitted)."""


class OverpaymentView(Struct):
    owed: Decimal
    """What she still owes back, in `currency`."""
    repaid: Decimal
    waived: Decimal
    state: OverpaymentState
    """`owed`: nothing decided yet; `recovering`: asked back; `awaiting_second_approval`: a
    waiver above the threshold waits for a second administrator; `settled`: nothing owed."""
    decision: OverpaymentDecisionName | None
    reason: str | None
    decided_at: datetime | None
    decided_by: uuid.UUID | None
    confirmed_at: datetime | None
    confirmed_by: uuid.UUID | None
    waiving: Decimal | None
    """What the waiver waiting for a second administrator writes off (null when none waits)."""
    waiver_threshold: Decimal | None
    """Waiving more than this needs a second administrator (the claim's four-eyes threshold)."""


class RepaymentCreate(Struct):
    amount: Decimal
    currency: CurrencyCode
    repaid_on: date
    """Value date of her transfer to the fund."""
    reference: Reference
    """The bank's reference of her transfer."""


class RepaymentView(Struct):
    id: uuid.UUID
    amount: Decimal
    currency: str
    repaid_on: date
    reference: str
    transaction_id: uuid.UUID
    recorded_by: uuid.UUID
    recorded_at: datetime


class PaymentView(Struct):
    id: uuid.UUID
    amount: Decimal
    currency: str
    paid_on: date
    bank_reference: str | None
    transaction_id: uuid.UUID
    recorded_by: uuid.UUID
    recorded_at: datetime


class DocumentView(Struct):
    id: uuid.UUID
    kind: str
    media_type: str
    size_bytes: int
    sha256: str
    uploaded_by: uuid.UUID
    uploaded_at: datetime
