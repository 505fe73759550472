"""The contract every country policy meets, and the value types it speaks in.

Amounts are `Decimal` in the country's currency; nothing here rounds unless a rule says so.
"""

from __future__ import annotations

from collections.abc import Mapping
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


PriorPaymentSource = Literal["offender", "insurance", "other_scheme", "advance"]
Layer = Literal["statute", "fund"]
Severity = Literal["info", "attention"]


@dataclass(frozen=True)
class HeadClaim:
    """One head of damage as claimed: `amount` in `currency` (must be the country's currency)."""

    category: HeadCategory
    amount: Decimal
    currency: str
    sub_kind: MaterialLossKind | None = None


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
    police_report_missing, crime_outside_country, court_award_missing, cap_reached, cap_unknown,
    deduction_applied, deductible_applied, head_not_covered_by_statute, head_covered_by_fund_rule,
    base_date_missing, tier_not_determined, unverified_parameter, requires_second_approval.
    """

    code: str
    severity: Severity
    message: str
    reference: str


@dataclass(frozen=True)
class HeadAssessment:
    """The proposal for one claimed head, with every rule applied in order."""

    category: HeadCategory
    sub_kind: MaterialLossKind | None
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
    """What return assistance may pay for."""

    TRAVEL = "travel"
    DOCUMENTS = "documents"
    REINTEGRATION_GRANT = "reintegration_grant"
    SUBSISTENCE = "subsistence"
    HOUSING = "housing"


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


PolicyRegistry = Mapping[str, CountryPolicy]
