"""The contract every country policy meets, and the value types it speaks in.

Amounts are `Decimal` in the country's currency; nothing here rounds unless a rule says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal, Protocol


class HeadCategory(StrEnum):
    """A head of damage a claim may name."""

    NON_MATERIAL = "non_material"
    MATERIAL_LOSS = "material_loss"
    WITHHELD_EARNINGS = "withheld_earnings"


class MaterialLossKind(StrEnum):
    """What a material-loss head is for."""

    MEDICAL = "medical"
    PROPERTY = "property"
    LOST_INCOME = "lost_income"
    OTHER = "other"


class NonMaterialKind(StrEnum):
    """What a non-material head is for; caps differ by kind (Finland's kärsimys and its pain
    and suffering). A non-material head that names no kind is read as `violation`: the head a
    trafficked woman's claim is mostly about (kränkning, kärsimys, oppreisning, krænkelse, miski).
    """

    PAIN_AND_SUFFERING = "pain_and_suffering"
    VIOLATION = "violation"
    PERMANENT_INJURY = "permanent_injury"


SubKind = MaterialLossKind | NonMaterialKind
SubKindName = Literal[
    "medical",
    "property",
    "lost_income",
    "other",
    "pain_and_suffering",
    "violation",
    "permanent_injury",
]
"""Every sub-kind's wire name (one string type: a wire union holds at most one)."""


def sub_kind_of(category: HeadCategory, name: str | None) -> SubKind | None:
    """The sub-kind `name` of a head of `category`; ValueError when it does not belong to it."""
    if name is None:
        return None
    if category is HeadCategory.MATERIAL_LOSS:
        return MaterialLossKind(name)
    if category is HeadCategory.NON_MATERIAL:
        return NonMaterialKind(name)
    raise ValueError(f"{category.value} has no sub-kinds")


PriorPaymentSource = Literal["offender", "insurance", "other_scheme", "advance"]
Layer = Literal["statute", "fund"]
Severity = Literal["info", "attention"]


@dataclass(frozen=True)
class HeadClaim:
    """One head of damage as claimed: `amount` in `currency` (must be the country's currency)."""

    category: HeadCategory
    amount: Decimal
    currency: str
    sub_kind: SubKind | None = None


@dataclass(frozen=True)
class PriorPayment:
    """Money the victim already received for this crime; `category` None means not earmarked."""

    source: PriorPaymentSource
    amount: Decimal
    currency: str
    category: HeadCategory | None = None


@dataclass(frozen=True)
class ClaimFacts:
    """The facts of a claim a policy needs; no name, no identity number, no address.

    `offence` is a lower-case keyword such as "trafficking". `court_awarded` is the damages a
    court ordered the offender to pay, in the country's currency, when a court has decided.
    `is_minor_at_crime` may be given instead of a birth date, so an estimate needs no birth date.
    """

    country: str
    offence: str
    crime_date: date
    application_date: date
    heads: tuple[HeadClaim, ...]
    reported_to_police: bool
    claimant_birth_date: date | None = None
    age_at_application: int | None = None
    """Her age in whole years on the application date, when no birth date is given (a dry run)."""
    police_report_date: date | None = None
    """When the crime was reported to the police (Denmark requires 72 hours)."""
    judgment_date: date | None = None
    proceedings_end_date: date | None = None
    victim_recognition_date: date | None = None
    crime_in_country: bool = True
    resident_in_country: bool | None = None
    prior_payments: tuple[PriorPayment, ...] = ()
    court_awarded: Decimal | None = None
    is_minor_at_crime: bool | None = None


@dataclass(frozen=True)
class RuleApplication:
    """One step of an assessment: which rule, on what input, with what effect, under which law."""

    rule: str
    input: str
    effect: str
    reference: str
    layer: Layer


@dataclass(frozen=True)
class Finding:
    """Something the administrator must see; it informs, it never refuses.

    Codes: deadline_passed, deadline_met_by_exception, deadline_not_running,
    police_report_missing, police_report_late, police_report_date_missing,
    police_report_delay_to_weigh, crime_outside_country, offence_not_covered,
    court_award_missing, cap_reached, cap_unknown, deduction_applied, deductible_applied,
    head_not_covered_by_statute, head_covered_by_fund_rule, base_date_missing,
    tier_not_determined, unverified_parameter, requires_second_approval.
    """

    code: str
    severity: Severity
    message: str
    reference: str


@dataclass(frozen=True)
class HeadAssessment:
    """The proposal for one claimed head, with every rule applied in order."""

    category: HeadCategory
    sub_kind: SubKind | None
    claimed: Decimal
    proposed: Decimal
    trace: tuple[RuleApplication, ...]


@dataclass(frozen=True)
class Assessment:
    """A proposed award in `currency` as of `as_of`; the administrator decides."""

    country: str
    currency: str
    as_of: date
    heads: tuple[HeadAssessment, ...]
    findings: tuple[Finding, ...]
    total_proposed: Decimal
    second_approval_threshold: Decimal
    requires_second_approval: bool
    trace: tuple[RuleApplication, ...] = ()


@dataclass(frozen=True)
class ConfiscationSplit:
    """Confiscated `amount` split exactly: the three parts sum to `amount` in the minor unit."""

    country: str
    currency: str
    as_of: date
    amount: Decimal
    case_victims: Decimal
    victims_fund: Decimal
    support_services: Decimal
    reference: str


class ReturnItem(StrEnum):
    """What return assistance may pay for. Travel and documents are paid at cost; every other
    item up to the country's `return_<item>_adult` (and `_child`) parameters, monthly when it
    has `return_<item>_months`; an item without parameters is not offered by that country."""

    TRAVEL = "travel"
    DOCUMENTS = "documents"
    REINTEGRATION_GRANT = "reintegration_grant"
    SUBSISTENCE = "subsistence"
    HOUSING = "housing"
    TRAINING = "training"
    """Vocational or job training after return (course fees, materials): once, per adult."""
    MEDICAL_CARE = "medical_care"
    """Medical and psychological care after return that her country's health system does not
    pay: per person and month."""


@dataclass(frozen=True)
class ReturnAssistanceRequest:
    """A request for return assistance: who travels, where to, and the costs she faces.

    `travel_cost` and `documents_cost` are paid in full by the fund (never charged to her).
    """

    destination_country: str
    adults: int = 1
    children: int = 0
    travel_cost: Decimal = Decimal(0)
    documents_cost: Decimal = Decimal(0)
    items: tuple[ReturnItem, ...] = ()


@dataclass(frozen=True)
class ReturnAllowance:
    """One allowance: `amount` in the country's currency, paid over `months` (0 = once)."""

    item: ReturnItem
    amount: Decimal
    months: int
    charged_to_claimant: bool
    reference: str
    layer: Layer


@dataclass(frozen=True)
class ReturnAssistanceEntitlement:
    """What the fund pays for a return: the allowances and their total."""

    country: str
    currency: str
    as_of: date
    allowances: tuple[ReturnAllowance, ...]
    total: Decimal
    not_offered: tuple[ReturnItem, ...] = ()


@dataclass(frozen=True)
class ParameterValue:
    """One value of a parameter, in force from `effective_from` until the next value."""

    effective_from: date
    value: Decimal | str | bool | tuple[str, ...] | None
    source: str
    verified: bool
    note: str = ""
    entered_by: str | None = None
    """Who entered the value at run time; None: it ships in the country's data file."""
    confirmed_by: str | None = None
    """The second administrator who confirmed an entered value."""
    source_document: str | None = None
    """Where the entered value's legal source can be read (a URL or a document reference)."""

    @property
    def origin(self) -> Literal["package", "entered"]:
        return "package" if self.entered_by is None else "entered"


@dataclass(frozen=True)
class Offence:
    """One offence of a country's published list: the code a claim stores, and its law.

    `covered` false: the offence is known (a claim may name it) but the statute does not cover
    it on these dates, so the proposal is 0 and the administrator sees why. `tier` names the
    flat-rate tier where the statute pays by tier (Latvia).
    """

    code: str
    name: str
    reference: str
    effective_from: date
    effective_until: date | None = None
    covered: bool = True
    verified: bool = True
    tier: str | None = None
    note: str = ""

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (
            self.effective_until is None or on <= self.effective_until
        )


@dataclass(frozen=True)
class ParameterLapse:
    """A yearly figure whose newest value lapses on `lapses_on` unless a new one is entered."""

    name: str
    last_effective_from: date
    lapses_on: date
    lapsed: bool


@dataclass(frozen=True)
class ParameterInForce:
    """A parameter's value as of a date, for display: name, layer, unit and its provenance."""

    name: str
    layer: Layer
    unit: str
    description: str
    value: ParameterValue
    lapsed: bool = False
    """A yearly figure whose newest value has lapsed: shown so someone enters the new one; an
    assessment that needs it fails with ParameterExpired."""


class CountryPolicy(Protocol):
    """One country's compensation law plus its fund's supplementary rules."""

    @property
    def code(self) -> str:
        """ISO 3166-1 alpha-2 code, e.g. "SE"."""

    @property
    def currency(self) -> str:
        """ISO 4217 code every amount of this policy is in."""

    @property
    def authority(self) -> str:
        """The deciding authority."""

    @property
    def statute(self) -> str:
        """The compensation statute."""

    @property
    def name(self) -> str:
        """The country's English name."""

    def assess(self, facts: ClaimFacts, as_of: date) -> Assessment: ...

    def second_approval_threshold(self, as_of: date) -> Decimal: ...

    def split_confiscation(self, amount: Decimal, as_of: date) -> ConfiscationSplit: ...

    def earmark_release_on(self, realised_on: date) -> date: ...

    def return_assistance_entitlement(
        self, request: ReturnAssistanceRequest, as_of: date
    ) -> ReturnAssistanceEntitlement: ...

    def letter_languages(self, as_of: date) -> tuple[str, ...]: ...

    def parameters_in_force(self, as_of: date) -> tuple[ParameterInForce, ...]: ...

    def offences_on(self, on: date) -> tuple[Offence, ...]:
        """The published offences a claim may name on `on` (covered or not)."""

    def offence(self, code: str, on: date) -> Offence:
        """The published offence `code` on `on`; raises UnknownOffence naming the accepted ones."""

    def lapses(self, as_of: date, within_days: int) -> tuple[ParameterLapse, ...]:
        """Yearly figures lapsed on `as_of` or lapsing within `within_days` after it."""

    def parameter_kind(self, name: str) -> Literal["amount", "flag", "list", "text"]:
        """What an entered value of `name` must be; raises MissingParameter."""

    def with_entered_values(self, values: Mapping[str, Sequence[ParameterValue]]) -> CountryPolicy:
        """The same policy with values entered at run time; on a date both define, the entered
        value wins. The caller hands in confirmed values only."""


PolicyRegistry = Mapping[str, CountryPolicy]
