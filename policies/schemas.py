"""Wire schemas of the policies API (msgspec). Amounts travel as decimal strings, never floats.

A dry-run assessment takes no name, no identity number and no address; for the age rules it
takes a yes/no for minority and, optionally, a birth date or her age on the application date
(Sweden's child victim may apply until 21). Nothing of it is stored.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from policies.base import (
    Assessment,
    ClaimFacts,
    CountryPolicy,
    Finding,
    HeadAssessment,
    HeadCategory,
    HeadClaim,
    ParameterInForce,
    ParameterLapse,
    PriorPayment,
    PriorPaymentSource,
    RuleApplication,
    SubKind,
    SubKindName,
    sub_kind_of,
)
from policies.base import Offence as PublishedOffence
from policies.errors import InvalidFacts

Amount = Annotated[Decimal, msgspec.Meta(description="decimal string in the currency, >= 0")]
Currency = Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
Offence = Annotated[str, msgspec.Meta(pattern="^[a-z_]{1,40}$", examples=["trafficking"])]


class PolicySummary(msgspec.Struct, frozen=True):
    code: str
    name: str
    currency: str
    authority: str
    statute: str

    @classmethod
    def of(cls, policy: CountryPolicy) -> PolicySummary:
        return cls(policy.code, policy.name, policy.currency, policy.authority, policy.statute)


class ParameterOut(msgspec.Struct, frozen=True):
    name: str
    layer: Literal["statute", "fund"]
    """statute: national law; fund: the fund's supplementary rule set by the ministry."""
    unit: str
    description: str
    value: bool | list[str] | str | None
    """Amounts as decimal strings; None: the data file says explicitly that no figure is known."""
    effective_from: date
    source: str
    verified: bool
    note: str
    lapsed: bool
    """A yearly figure whose newest value has lapsed: the new value must be entered."""
    origin: Literal["package", "entered"]
    """package: the country's data file in this release; entered: by an administrator."""
    entered_by: str | None
    confirmed_by: str | None
    source_document: str | None

    @classmethod
    def of(cls, parameter: ParameterInForce) -> ParameterOut:
        v = parameter.value
        value: bool | list[str] | str | None
        if isinstance(v.value, tuple):
            value = list(v.value)
        elif isinstance(v.value, Decimal):
            value = str(v.value)
        else:
            value = v.value
        return cls(
            parameter.name,
            parameter.layer,
            parameter.unit,
            parameter.description,
            value,
            v.effective_from,
            v.source,
            v.verified,
            v.note,
            parameter.lapsed,
            v.origin,
            v.entered_by,
            v.confirmed_by,
            v.source_document,
        )


class LapseOut(msgspec.Struct, frozen=True):
    """A yearly figure that has lapsed or lapses soon: enter and confirm its new value."""

    name: str
    last_effective_from: date
    lapses_on: date
    lapsed: bool

    @classmethod
    def of(cls, lapse: ParameterLapse) -> LapseOut:
        return cls(lapse.name, lapse.last_effective_from, lapse.lapses_on, lapse.lapsed)


class OffenceOut(msgspec.Struct, frozen=True):
    """An offence a claim may name: `code` is what a claim stores."""

    code: str
    name: str
    reference: str
    effective_from: date
    effective_until: date | None
    covered: bool
    """false: known, but the statute does not cover it on this date (the proposal is 0)."""
    verified: bool

    @classmethod
    def of(cls, offence: PublishedOffence) -> OffenceOut:
        return cls(
            offence.code,
            offence.name,
            offence.reference,
            offence.effective_from,
            offence.effective_until,
            offence.covered,
            offence.verified,
        )


class PolicyDetail(msgspec.Struct, frozen=True):
    code: str
    name: str
    currency: str
    authority: str
    statute: str
    as_of: date
    letter_languages: list[str]
    second_approval_threshold: Decimal
    parameters: list[ParameterOut]
    offences: list[OffenceOut]
    """The published offence list on `as_of`; a claim or a dry run naming another is 422."""
    lapsing: list[LapseOut]
    """Yearly figures lapsed on `as_of` or lapsing within `lapse_days` of it."""
    lapse_days: int

    @classmethod
    def of(cls, policy: CountryPolicy, as_of: date, lapse_days: int = 60) -> PolicyDetail:
        parameters = policy.parameters_in_force(as_of)
        return cls(
            policy.code,
            policy.name,
            policy.currency,
            policy.authority,
            policy.statute,
            as_of,
            list(policy.letter_languages(as_of)),
            policy.second_approval_threshold(as_of),
            [ParameterOut.of(p) for p in parameters],
            [OffenceOut.of(offence) for offence in policy.offences_on(as_of)],
            [LapseOut.of(lapse) for lapse in policy.lapses(as_of, lapse_days)],
            lapse_days,
        )


# A head's claimed amount is `amount_claimed` on every route, as in a claim's heads.
class EstimateHeadIn(
    msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename={"amount": "amount_claimed"}
):
    category: HeadCategory
    amount: Amount
    currency: Currency
    sub_kind: SubKindName | None = None
    """material_loss: medical, property, lost_income, other; non_material: pain_and_suffering,
    violation (the default), permanent_injury."""


class EstimatePriorPaymentIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    source: PriorPaymentSource
    amount: Amount
    currency: Currency
    category: HeadCategory | None = None


class AssessRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The facts of a claim for an estimate. Dates are of events, not of the person."""

    offence: Offence
    crime_date: date
    application_date: date
    heads: Annotated[list[EstimateHeadIn], msgspec.Meta(min_length=1, max_length=50)]
    reported_to_police: bool
    police_report_date: date | None = None
    """When it was reported; Denmark requires a report within 72 hours of the crime."""
    judgment_date: date | None = None
    proceedings_end_date: date | None = None
    victim_recognition_date: date | None = None
    crime_in_country: bool = True
    resident_in_country: bool | None = None
    prior_payments: Annotated[list[EstimatePriorPaymentIn], msgspec.Meta(max_length=50)] = []
    court_awarded: Amount | None = None
    is_minor_at_crime: bool | None = None
    claimant_birth_date: date | None = None
    """Or her age on the application date: Sweden lets a child victim apply until 21."""
    age_at_application: Annotated[int, msgspec.Meta(ge=0, le=130)] | None = None
    as_of: date | None = None
    """Decision date to assess on; today when omitted."""

    def facts(self, country: str) -> ClaimFacts:
        return ClaimFacts(
            country=country,
            offence=self.offence,
            crime_date=self.crime_date,
            application_date=self.application_date,
            heads=tuple(
                HeadClaim(h.category, h.amount, h.currency, _sub_kind(h)) for h in self.heads
            ),
            reported_to_police=self.reported_to_police,
            police_report_date=self.police_report_date,
            claimant_birth_date=self.claimant_birth_date,
            age_at_application=self.age_at_application,
            judgment_date=self.judgment_date,
            proceedings_end_date=self.proceedings_end_date,
            victim_recognition_date=self.victim_recognition_date,
            crime_in_country=self.crime_in_country,
            resident_in_country=self.resident_in_country,
            prior_payments=tuple(
                PriorPayment(p.source, p.amount, p.currency, p.category)
                for p in self.prior_payments
            ),
            court_awarded=self.court_awarded,
            is_minor_at_crime=self.is_minor_at_crime,
        )


class RuleOut(msgspec.Struct, frozen=True):
    rule: str
    input: str
    effect: str
    reference: str
    layer: Literal["statute", "fund"]

    @classmethod
    def of(cls, step: RuleApplication) -> RuleOut:
        return cls(step.rule, step.input, step.effect, step.reference, step.layer)


class FindingOut(msgspec.Struct, frozen=True):
    code: str
    severity: Literal["info", "attention"]
    message: str
    reference: str

    @classmethod
    def of(cls, finding: Finding) -> FindingOut:
        return cls(finding.code, finding.severity, finding.message, finding.reference)


class HeadOut(msgspec.Struct, frozen=True):
    category: HeadCategory
    sub_kind: str | None
    claimed: Decimal
    proposed: Decimal
    trace: list[RuleOut]

    @classmethod
    def of(cls, head: HeadAssessment) -> HeadOut:
        return cls(
            head.category,
            head.sub_kind,
            head.claimed,
            head.proposed,
            [RuleOut.of(step) for step in head.trace],
        )


class AssessmentOut(msgspec.Struct, frozen=True, rename={"total_proposed": "proposed_total"}):
    """A proposal, not a decision: the administrator decides and may depart with a reason."""

    country: str
    currency: str
    as_of: date
    heads: list[HeadOut]
    findings: list[FindingOut]
    trace: list[RuleOut]
    total_proposed: Decimal
    second_approval_threshold: Decimal
    requires_second_approval: bool

    @classmethod
    def of(cls, assessment: Assessment) -> AssessmentOut:
        return cls(
            assessment.country,
            assessment.currency,
            assessment.as_of,
            [HeadOut.of(h) for h in assessment.heads],
            [FindingOut.of(f) for f in assessment.findings],
            [RuleOut.of(step) for step in assessment.trace],
            assessment.total_proposed,
            assessment.second_approval_threshold,
            assessment.requires_second_approval,
        )


def _sub_kind(head: EstimateHeadIn) -> SubKind | None:
    try:
        return sub_kind_of(head.category, head.sub_kind)
    except ValueError as exc:
        raise InvalidFacts(f"{head.sub_kind!r} is not a kind of {head.category.value}") from exc
