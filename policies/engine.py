"""The shared assessment machinery: a country is a data file read into a `StandardPolicy`.

A country module subclasses `StandardPolicy` only where its law works differently (Latvia's flat
percentages of a cap). The order of rules for every head is the same everywhere, so traces read
alike across countries:

1. coverage: the statute covers the head, or else a fund rule does (off unless set);
2. the statutory amount (the claimed amount, unless a country overrides it);
3. deduction of what the offender, insurance or another scheme already paid (first, because
   a scheme pays only damage not covered elsewhere);
4. the compensated share of what remains (Estonia pays 80 %);
5. the deductible (Finland's perusvähennys);
6. caps, absolute or as a multiple of a base amount taken on the country's date, and the
   fund's own cap on a head only a fund rule covers (`fund_cap_<head>`);
7. deduction of advances the fund already paid (after the caps: they are part of the same award);
8. rounding to the currency's minor unit.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any, Literal, Self

import moneyed

from policies.base import (
    Assessment,
    ClaimFacts,
    ConfiscationSplit,
    Finding,
    HeadAssessment,
    HeadCategory,
    HeadClaim,
    Layer,
    MaterialLossKind,
    NonMaterialKind,
    Offence,
    ParameterInForce,
    ParameterLapse,
    ParameterValue,
    ReturnAllowance,
    ReturnAssistanceEntitlement,
    ReturnAssistanceRequest,
    ReturnItem,
    RuleApplication,
    Severity,
    sub_kind_of,
)
from policies.errors import (
    CurrencyMismatch,
    InvalidAmount,
    InvalidFacts,
    InvalidPolicyData,
    ParameterNotInForce,
    UnknownOffence,
    WrongCountry,
)
from policies.parameters import DatedParameter, ParameterSet, add_months, parse_parameter

ClockStart = Literal["crime", "judgment", "proceedings_end", "victim_recognition"]
BaseDate = Literal["decision", "crime", "victim_recognition"]
ADULT_AGE = 18
ROUNDING_MODES = {"ROUND_HALF_UP": ROUND_HALF_UP, "ROUND_HALF_EVEN": ROUND_HALF_EVEN}
REQUIRED_REFERENCES = (
    "coverage",
    "police_report",
    "territory",
    "deductions",
    "time_limit",
    "rounding",
    "second_approval",
    "confiscation",
    "return_assistance",
    "letters",
)


@dataclass(frozen=True)
class Clock:
    """A time limit: `period` months (a parameter) from the date `starts_at`."""

    starts_at: ClockStart
    period: str
    reference: str
    exception: str


@dataclass(frozen=True)
class Cap:
    """A ceiling on the sum of the heads it selects: `amount`, or `amount` x `base` on `base_date`.

    Selectors are a category ("material_loss") or a category and kind ("material_loss:property");
    `offences` limits a cap to those offences, `except_offences` excludes some, `minor` limits it
    to victims who were (True) or were not (False) children at the time of the crime.
    """

    name: str
    heads: tuple[str, ...]
    amount: str
    reference: str
    layer: Layer = "statute"
    base: str | None = None
    base_date: BaseDate = "decision"
    offences: tuple[str, ...] = ()
    except_offences: tuple[str, ...] = ()
    minor: bool | None = None

    def selects(self, head: HeadClaim) -> bool:
        if head.category.value in self.heads:
            return True
        defaults = {
            HeadCategory.MATERIAL_LOSS: MaterialLossKind.OTHER,
            HeadCategory.NON_MATERIAL: NonMaterialKind.VIOLATION,
        }
        kind = head.sub_kind or defaults.get(head.category)
        return kind is not None and f"{head.category.value}:{kind.value}" in self.heads

    def applies_to(self, offence: str, minor: bool | None) -> bool:
        if self.offences and offence not in self.offences:
            return False
        if offence in self.except_offences:
            return False
        return self.minor is None or self.minor == bool(minor)


@dataclass
class WorkingHead:
    """A head while it is being assessed (mutable only inside `assess`); for country hooks."""

    claim: HeadClaim
    amount: Decimal
    layer: Layer | None
    trace: list[RuleApplication] = field(default_factory=list)

    def step(self, rule: str, given: str, effect: str, reference: str) -> None:
        assert self.layer is not None
        self.trace.append(RuleApplication(rule, given, effect, reference, self.layer))


@dataclass
class AssessmentRun:
    """The findings and assessment-level trace gathered while assessing one claim."""

    parameters: ParameterSet
    offence: Offence
    minor: bool | None = None
    findings: list[Finding] = field(default_factory=list)
    trace: list[RuleApplication] = field(default_factory=list)

    def find(self, code: str, severity: Severity, message: str, reference: str) -> None:
        self.findings.append(Finding(code, severity, message, reference))

    def step(self, rule: str, given: str, effect: str, reference: str, layer: Layer) -> None:
        self.trace.append(RuleApplication(rule, given, effect, reference, layer))


@dataclass(frozen=True)
class StandardPolicy:
    """One country's statute and fund rules, read from its data file."""

    code: str
    name: str
    currency: str
    authority: str
    statute: str
    decimal_places: int
    rounding: str
    parameters: ParameterSet
    references: Mapping[str, str]
    clocks: tuple[Clock, ...]
    caps: tuple[Cap, ...]
    deductible_heads: tuple[str, ...] = ()
    minor_until_age: str | None = None
    offences: tuple[Offence, ...] = ()

    # -- loading -----------------------------------------------------------------------------

    @classmethod
    def from_package(cls, package: str, filename: str) -> Self:
        """Read `filename` beside the country module (`package` is its `__package__`)."""
        text = resources.files(package).joinpath(filename).read_text(encoding="utf-8")
        return cls.from_toml(text)

    @classmethod
    def from_toml(cls, text: str) -> Self:
        data = tomllib.loads(text)
        code = _required(data, "code")
        try:
            parameters = ParameterSet(
                code,
                {
                    name: parse_parameter(name, raw)
                    for name, raw in data.get("parameters", {}).items()
                },
            )
            references = {str(k): str(v) for k, v in data.get("references", {}).items()}
            missing = [name for name in REQUIRED_REFERENCES if name not in references]
            if missing:
                raise InvalidPolicyData(f"references missing: {', '.join(missing)}")
            policy = cls(
                code=code,
                name=_required(data, "name"),
                currency=_required(data, "currency"),
                authority=_required(data, "authority"),
                statute=_required(data, "statute"),
                decimal_places=int(data.get("decimal_places", 2)),
                rounding=str(data.get("rounding", "ROUND_HALF_UP")),
                parameters=parameters,
                references=references,
                clocks=tuple(Clock(**raw) for raw in data.get("clocks", ())),
                caps=tuple(_cap(raw) for raw in data.get("caps", ())),
                deductible_heads=tuple(data.get("deductible_heads", ())),
                minor_until_age=data.get("minor_until_age"),
                offences=tuple(_offence(raw) for raw in data.get("offences", ())),
            )
        except (TypeError, KeyError, ValueError) as exc:
            raise InvalidPolicyData(f"{code} data file: {exc}") from exc
        policy.check_data()
        return policy

    def check_data(self) -> None:
        """Fail at import, not in a decision, when the data file names what it does not define."""
        if self.rounding not in ROUNDING_MODES:
            raise InvalidPolicyData(f"{self.code}: unknown rounding {self.rounding!r}")
        try:
            sub_unit = int(moneyed.get_currency(self.currency).sub_unit)
        except moneyed.CurrencyDoesNotExist as exc:
            raise InvalidPolicyData(f"{self.code}: unknown currency {self.currency!r}") from exc
        if 10**self.decimal_places != sub_unit:
            raise InvalidPolicyData(
                f"{self.code}: {self.currency} has {sub_unit} minor units to the major unit "
                f"(ISO 4217), not {10**self.decimal_places}"
            )
        names = [clock.period for clock in self.clocks]
        for cap in self.caps:
            names += [cap.amount] + ([cap.base] if cap.base else [])
        names += ["second_approval_threshold", "letter_languages", "police_report_required"]
        names += [f"confiscation_share_{part}" for part in _SPLIT_PARTS]
        names.append("earmark_period_months")
        names += [f"statute_covers_{category.value}" for category in HeadCategory]
        if self.deductible_heads:
            names.append("deductible")
            self._require_reference("deductible")
        if "compensated_share" in self.parameters:
            self._require_reference("share")
        if self.minor_until_age:
            names.append(self.minor_until_age)
        if not self.offences:
            raise InvalidPolicyData(f"{self.code}: the data file publishes no offences")
        known = {offence.code for offence in self.offences}
        named = {code for cap in self.caps for code in (*cap.offences, *cap.except_offences)}
        if named - known:
            raise InvalidPolicyData(
                f"{self.code}: caps name offences not published: {', '.join(sorted(named - known))}"
            )
        undefined = sorted({name for name in names if name not in self.parameters})
        if undefined:
            raise InvalidPolicyData(f"{self.code}: parameters not defined: {', '.join(undefined)}")
        self._check_confiscation_shares()

    def _check_confiscation_shares(self) -> None:
        """On every date any share changes, the three shares are >= 0 and sum to exactly 1."""
        names = [f"confiscation_share_{part}" for part in _SPLIT_PARTS]
        dates = {v.effective_from for n in names for v in self.parameters.parameters[n].values}
        for on in sorted(dates):
            if any(self.parameters.parameters[n].first_effective_from > on for n in names):
                continue
            shares = [self.parameters.decimal(n, on) for n in names]
            if sum(shares) != 1 or any(share < 0 for share in shares):
                raise InvalidPolicyData(
                    f"{self.code}: confiscation shares on {on.isoformat()} must be >= 0 "
                    "and sum to 1"
                )

    def _require_reference(self, rule: str) -> None:
        if rule not in self.references:
            raise InvalidPolicyData(f"{self.code}: references.{rule} is required by its rule")

    def with_entered_values(self, values: Mapping[str, Sequence[ParameterValue]]) -> Self:
        entered = replace(self, parameters=self.parameters.with_entered(values))
        entered.check_data()
        return entered

    def lapses(self, as_of: date, within_days: int) -> tuple[ParameterLapse, ...]:
        return self.parameters.lapses(as_of, within_days)

    def parameter_kind(self, name: str) -> Literal["amount", "flag", "list", "text"]:
        return self.parameters.kind(name)

    def with_parameters(self, overrides: Iterable[DatedParameter]) -> Self:
        """The same policy with some parameters replaced or added (a ministry's fund rules)."""
        return replace(self, parameters=self.parameters.replaced({p.name: p for p in overrides}))

    # -- the contract --------------------------------------------------------------------------

    def offences_on(self, on: date) -> tuple[Offence, ...]:
        return tuple(offence for offence in self.offences if offence.in_force(on))

    def offence(self, code: str, on: date) -> Offence:
        """The published offence `code` on `on`; raises UnknownOffence naming the accepted ones."""
        accepted = self.offences_on(on)
        if not accepted:
            first = min(offence.effective_from for offence in self.offences)
            raise ParameterNotInForce(self.code, "offences", on, first if first > on else None)
        for offence in accepted:
            if offence.code == code:
                return offence
        raise UnknownOffence(self.code, code, tuple(o.code for o in accepted))

    def parameters_in_force(self, as_of: date) -> tuple[ParameterInForce, ...]:
        first = self.parameters.first_effective_from()
        if as_of < first:
            raise ParameterNotInForce(self.code, "every parameter", as_of, first)
        return self.parameters.in_force(as_of)

    def second_approval_threshold(self, as_of: date) -> Decimal:
        return self.parameters.decimal("second_approval_threshold", as_of)

    def letter_languages(self, as_of: date) -> tuple[str, ...]:
        return self.parameters.strings("letter_languages", as_of)

    def assess(self, facts: ClaimFacts, as_of: date) -> Assessment:
        self._check_facts(facts)
        minor = self._minor_at_crime(facts)
        # The list in force when she applied: the statute that governs the application.
        offence = self.offence(facts.offence, facts.application_date)
        run = AssessmentRun(self.parameters.recording(), offence, minor)
        self._check_conditions(facts, as_of, run)
        self._check_time_limit(facts, minor, run)
        heads = [WorkingHead(claim, claim.amount, None) for claim in facts.heads]
        self._coverage(heads, as_of, run)
        self.statutory_amounts(heads, facts, as_of, run)
        self._deduct_prior_payments(heads, facts, run, advances=False)
        self._compensated_share(heads, as_of, run)
        self._deductible(heads, as_of, run)
        self._apply_caps(heads, facts, minor, as_of, run)
        self._apply_fund_caps(heads, as_of, run)
        self._court_award_limit(heads, facts, as_of, run)
        self._deduct_prior_payments(heads, facts, run, advances=True)
        self._round(heads)
        assessed = tuple(
            HeadAssessment(
                h.claim.category, h.claim.sub_kind, h.claim.amount, h.amount, tuple(h.trace)
            )
            for h in heads
        )
        total = sum((h.proposed for h in assessed), Decimal(0))
        threshold = run.parameters.decimal("second_approval_threshold", as_of)
        needs_second = total > threshold
        if needs_second:
            run.find(
                "requires_second_approval",
                "info",
                f"the proposed total {total} {self.currency} is above the second-approval "
                f"threshold of {threshold} {self.currency}: a second administrator must confirm",
                self.references["second_approval"],
            )
        self._note_unverified(run)
        return Assessment(
            country=self.code,
            currency=self.currency,
            as_of=as_of,
            heads=assessed,
            findings=tuple(run.findings),
            total_proposed=total,
            second_approval_threshold=threshold,
            requires_second_approval=needs_second,
            trace=tuple(run.trace),
        )

    def split_confiscation(self, amount: Decimal, as_of: date) -> ConfiscationSplit:
        """Split exactly: parts rounded down to the minor unit, the remainder by largest share."""
        unit = self.minor_unit
        if amount < 0 or amount != amount.quantize(unit):
            raise InvalidAmount(
                f"a confiscated amount must be zero or more, in whole {self.currency} minor units"
            )
        # Checked when the data file was loaded: >= 0 and summing to 1 on every date.
        shares = [self.parameters.decimal(f"confiscation_share_{p}", as_of) for p in _SPLIT_PARTS]
        raw = [amount * share for share in shares]
        parts = [value.quantize(unit, rounding=ROUND_DOWN) for value in raw]
        leftover_units = int((amount - sum(parts)) / unit)
        # Largest remainder first; ties go to the earlier part (case victims, then the fund).
        order = sorted(range(len(parts)), key=lambda i: (parts[i] - raw[i], i))
        for i in order[:leftover_units]:
            parts[i] += unit
        return ConfiscationSplit(
            country=self.code,
            currency=self.currency,
            as_of=as_of,
            amount=amount,
            case_victims=parts[0],
            victims_fund=parts[1],
            support_services=parts[2],
            reference=self.references["confiscation"],
        )

    def earmark_release_on(self, realised_on: date) -> date:
        """First day on which the earmarked part of a realisation on `realised_on`, if nobody in
        the case has claimed it, may be released to the victims' fund."""
        months = int(self.parameters.decimal("earmark_period_months", realised_on))
        return add_months(realised_on, months)

    def return_assistance_entitlement(
        self, request: ReturnAssistanceRequest, as_of: date
    ) -> ReturnAssistanceEntitlement:
        if request.adults < 0 or request.children < 0 or request.adults + request.children == 0:
            raise InvalidAmount("return assistance needs at least one traveller")
        for what, cost in (
            ("travel cost", request.travel_cost),
            ("documents cost", request.documents_cost),
        ):
            if cost < 0 or cost != cost.quantize(self.minor_unit):
                raise InvalidAmount(f"the {what} must be zero or more, in whole minor units")
        reference = self.references["return_assistance"]
        # Travel and documents are paid at cost and never charged to her (DESIGN.md principle 4).
        allowances = [
            ReturnAllowance(ReturnItem.TRAVEL, request.travel_cost, 0, False, reference, "fund"),
            ReturnAllowance(
                ReturnItem.DOCUMENTS, request.documents_cost, 0, False, reference, "fund"
            ),
        ]
        not_offered = []
        for item in dict.fromkeys(request.items):
            if item in (ReturnItem.TRAVEL, ReturnItem.DOCUMENTS):
                continue
            allowance = self._return_allowance(item, request, as_of, reference)
            if allowance is None:
                not_offered.append(item)
            else:
                allowances.append(allowance)
        return ReturnAssistanceEntitlement(
            country=self.code,
            currency=self.currency,
            as_of=as_of,
            allowances=tuple(allowances),
            total=sum((a.amount for a in allowances), Decimal(0)),
            not_offered=tuple(not_offered),
        )

    # -- hooks a country may override ----------------------------------------------------------

    def statutory_amounts(
        self,
        heads: Sequence[WorkingHead],
        facts: ClaimFacts,  # noqa: ARG002 - the hook's signature; flat-rate countries use them
        as_of: date,  # noqa: ARG002
        run: AssessmentRun,  # noqa: ARG002
    ) -> None:
        """Most schemes start from the damage claimed; a flat-rate country overrides this."""
        for head in heads:
            if head.layer is not None:
                head.step(
                    "damage_claimed",
                    f"{head.claim.amount} {self.currency}",
                    f"assessment starts from the claimed {head.amount} {self.currency}",
                    self.references["coverage"],
                )

    # -- the steps -----------------------------------------------------------------------------

    @property
    def minor_unit(self) -> Decimal:
        return Decimal(1).scaleb(-self.decimal_places)

    def _check_facts(self, facts: ClaimFacts) -> None:
        if facts.country.upper() != self.code:
            raise WrongCountry(self.code, facts.country)
        later_events = {
            "application": facts.application_date,
            "judgment": facts.judgment_date,
            "end of proceedings": facts.proceedings_end_date,
            "recognition as victim": facts.victim_recognition_date,
            "police report": facts.police_report_date,
        }
        for event, on in later_events.items():
            if on is not None and on < facts.crime_date:
                raise InvalidFacts(f"the date of the {event} is before the date of the crime")
        for index, head in enumerate(facts.heads):
            if head.sub_kind is not None:
                try:
                    sub_kind_of(head.category, head.sub_kind.value)
                except ValueError as exc:
                    raise InvalidFacts(
                        f"head {index}: {head.sub_kind.value!r} is not a kind of "
                        f"{head.category.value}"
                    ) from exc
            if head.currency.upper() != self.currency:
                raise CurrencyMismatch(self.code, self.currency, head.currency, f"head {index}")
            if head.amount < 0:
                raise InvalidAmount(f"head {index}: a claimed amount cannot be negative")
        for index, payment in enumerate(facts.prior_payments):
            if payment.currency.upper() != self.currency:
                raise CurrencyMismatch(
                    self.code, self.currency, payment.currency, f"prior payment {index}"
                )
            if payment.amount < 0:
                raise InvalidAmount(f"prior payment {index}: an amount cannot be negative")
        if facts.court_awarded is not None and facts.court_awarded < 0:
            raise InvalidAmount("a court award cannot be negative")

    def _minor_at_crime(self, facts: ClaimFacts) -> bool | None:
        if facts.claimant_birth_date is not None:
            return _age_on(facts.claimant_birth_date, facts.crime_date) < ADULT_AGE
        return facts.is_minor_at_crime

    def _check_report_delay(self, facts: ClaimFacts, as_of: date, run: AssessmentRun) -> None:
        """Where the law sets a delay for the police report: dates carry no hour, so the report
        is in time when made by the end of the day the delay may end on (her benefit)."""
        name = "police_report_within_hours"
        if not facts.reported_to_police:
            return
        if name not in run.parameters:
            self._check_report_without_undue_delay(facts, as_of, run)
            return
        hours = int(run.parameters.decimal(name, as_of))
        reference = self.references["police_report"]
        if facts.police_report_date is None:
            run.find(
                "police_report_date_missing",
                "attention",
                f"the law requires a report within {hours} hours of the crime; the report's date "
                "is not recorded",
                reference,
            )
            return
        days = (facts.police_report_date - facts.crime_date).days
        if days * 24 <= hours:
            run.step(
                "police_report",
                f"reported {days} days after the crime",
                "in time",
                reference,
                "statute",
            )
            return
        run.step(
            "police_report",
            f"reported {days} days after the crime",
            f"later than {hours} hours: the administrator weighs the exception",
            reference,
            "statute",
        )
        run.find(
            "police_report_late",
            "attention",
            f"reported {days} days after the crime; the law requires a report within {hours} "
            "hours unless the circumstances excuse the delay: the administrator decides",
            reference,
        )

    def _check_report_without_undue_delay(
        self, facts: ClaimFacts, as_of: date, run: AssessmentRun
    ) -> None:
        """Where the law asks for a report "without undue delay" and sets no number (Iceland),
        no delay is refused by the engine: the trace shows it and the administrator weighs it."""
        name = "police_report_without_undue_delay"
        if name not in run.parameters or not run.parameters.flag(name, as_of):
            return
        reference = self.references["police_report"]
        if facts.police_report_date is None:
            run.find(
                "police_report_date_missing",
                "attention",
                "the law requires a report without undue delay; the report's date is not recorded",
                reference,
            )
            return
        days = (facts.police_report_date - facts.crime_date).days
        run.step(
            "police_report",
            f"reported {days} days after the crime",
            "in time" if days == 0 else "the administrator weighs whether the delay was undue",
            reference,
            "statute",
        )
        if days > 0:
            run.find(
                "police_report_delay_to_weigh",
                "attention",
                f"reported {days} days after the crime; the law requires a report without undue "
                "delay and sets no number: the administrator decides whether the delay was undue",
                reference,
            )

    def _check_conditions(self, facts: ClaimFacts, as_of: date, run: AssessmentRun) -> None:
        if run.parameters.flag("police_report_required", as_of) and not facts.reported_to_police:
            reference = self.references["police_report"]
            if run.parameters.flag_or_off("fund_waives_police_report", as_of):
                run.step(
                    "police_report",
                    "not reported to police",
                    "the fund's rule does not require a police report",
                    reference,
                    "fund",
                )
                run.find(
                    "police_report_missing",
                    "info",
                    "national law requires a police report; the fund's rule waives it",
                    reference,
                )
            else:
                run.step(
                    "police_report",
                    "not reported to police",
                    "national law requires a police report: the administrator decides",
                    reference,
                    "statute",
                )
                run.find(
                    "police_report_missing",
                    "attention",
                    "national law requires the crime to be reported to the police; no report is "
                    "recorded",
                    reference,
                )
        self._check_report_delay(facts, as_of, run)
        if not facts.crime_in_country:
            reference = self.references["territory"]
            resident_abroad_rule = run.parameters.flag_or_off("covers_residents_abroad", as_of)
            if resident_abroad_rule and facts.resident_in_country:
                run.find(
                    "crime_outside_country",
                    "info",
                    "the crime was committed abroad; the statute covers residents for some heads",
                    reference,
                )
            else:
                run.find(
                    "crime_outside_country",
                    "attention",
                    "the crime was committed outside the country; the statute covers crimes in "
                    "the country",
                    reference,
                )
        if run.parameters.flag_or_off("court_award_required", as_of) and (
            facts.court_awarded is None
        ):
            run.find(
                "court_award_missing",
                "attention",
                "the statute compensates damage as awarded by a court; no court award is recorded",
                self.references.get("court_award", self.references["coverage"]),
            )

    def _check_time_limit(self, facts: ClaimFacts, minor: bool | None, run: AssessmentRun) -> None:
        """The limit in force on the application date, from the first clock whose start is known."""
        starts: dict[ClockStart, date | None] = {
            "crime": facts.crime_date,
            "judgment": facts.judgment_date,
            "proceedings_end": facts.proceedings_end_date,
            "victim_recognition": facts.victim_recognition_date,
        }
        clock = next((c for c in self.clocks if starts[c.starts_at] is not None), None)
        if clock is None:
            run.find(
                "deadline_not_running",
                "info",
                "the time limit has not started: the date it runs from is not known yet",
                self.references["time_limit"],
            )
            return
        start = starts[clock.starts_at]
        assert start is not None
        months = int(run.parameters.decimal(clock.period, facts.application_date))
        deadline = add_months(start, months)
        run.step(
            "time_limit",
            f"{clock.starts_at.replace('_', ' ')} on {start.isoformat()}; "
            f"applied on {facts.application_date.isoformat()}",
            f"limit {months} months, ends {deadline.isoformat()}",
            clock.reference,
            "statute",
        )
        if facts.application_date <= deadline:
            return
        until_age = (
            run.parameters.optional_decimal(self.minor_until_age, facts.application_date)
            if self.minor_until_age
            else None
        )
        if minor and until_age is not None:
            age = int(until_age)
            age_then = (
                _age_on(facts.claimant_birth_date, facts.application_date)
                if facts.claimant_birth_date is not None
                else facts.age_at_application
            )
            if age_then is None:
                run.find(
                    "deadline_passed",
                    "attention",
                    f"the general time limit has passed; a child victim may apply until age {age}: "
                    "record the birth date to check",
                    clock.reference,
                )
                return
            if age_then < age:
                run.step(
                    "time_limit_minor",
                    "a child at the time of the crime",
                    f"may apply until age {age}: in time",
                    clock.reference,
                    "statute",
                )
                run.find(
                    "deadline_met_by_exception",
                    "info",
                    f"the general time limit has passed, but a child victim may apply until "
                    f"age {age}",
                    clock.reference,
                )
                return
        days = (facts.application_date - deadline).days
        child = (
            "; the claimant was a child at the time of the crime and the statute has no fixed "
            "extension for children: weigh it under that exception"
            if minor and until_age is None
            else ""
        )
        run.find(
            "deadline_passed",
            "attention",
            f"the application came {days} days after the time limit ended on "
            f"{deadline.isoformat()}; {clock.exception}{child}",
            clock.reference,
        )

    def _coverage(self, heads: Sequence[WorkingHead], as_of: date, run: AssessmentRun) -> None:
        reference = self.references["coverage"]
        if not run.offence.covered:
            run.find(
                "offence_not_covered",
                "attention",
                f"the statute does not cover {run.offence.name} on this date"
                + (f" ({run.offence.note})" if run.offence.note else ""),
                run.offence.reference,
            )
        for head in heads:
            category = head.claim.category.value
            label = category.replace("_", " ")
            if run.offence.covered and run.parameters.flag(f"statute_covers_{category}", as_of):
                head.layer = "statute"
                head.step("coverage", label, "covered by the statute", reference)
            elif run.parameters.flag_or_off(f"fund_covers_{category}", as_of):
                head.layer = "fund"
                head.step(
                    "coverage", label, "not in the statute; covered by a fund rule", reference
                )
                run.find(
                    "head_covered_by_fund_rule",
                    "info",
                    f"{label}: the statute does not cover it; the fund's supplementary rule does",
                    reference,
                )
            else:
                head.amount = Decimal(0)
                head.trace.append(
                    RuleApplication(
                        "coverage",
                        label,
                        "covered neither by the statute nor by a fund rule: 0 proposed",
                        reference,
                        "statute",
                    )
                )
                run.find(
                    "head_not_covered_by_statute",
                    "attention",
                    f"{label}: the statute does not cover this head and no fund rule is set",
                    reference,
                )

    def _compensated_share(
        self, heads: Sequence[WorkingHead], as_of: date, run: AssessmentRun
    ) -> None:
        if "compensated_share" not in run.parameters:
            return
        share = run.parameters.decimal("compensated_share", as_of)
        for head in heads:
            if head.layer == "statute":
                before = head.amount
                head.amount = before * share
                head.step(
                    "compensated_share",
                    f"{before} {self.currency}",
                    f"{percent(share)} % compensated: {head.amount} {self.currency}",
                    self.references["share"],
                )

    def _deductible(self, heads: Sequence[WorkingHead], as_of: date, run: AssessmentRun) -> None:
        if not self.deductible_heads:
            return
        deductible = run.parameters.decimal("deductible", as_of)
        scoped = [
            h for h in heads if h.layer == "statute" and h.claim.category in self.deductible_heads
        ]
        if deductible <= 0 or not scoped:
            return
        taken = _take_in_order(
            scoped, deductible, "deductible", self.currency, self.references["deductible"]
        )
        run.find(
            "deductible_applied",
            "info",
            f"the statutory deductible of {deductible} {self.currency} was deducted "
            f"({taken} {self.currency} taken)",
            self.references["deductible"],
        )

    def _deduct_prior_payments(
        self, heads: Sequence[WorkingHead], facts: ClaimFacts, run: AssessmentRun, *, advances: bool
    ) -> None:
        reference = self.references["deductions"]
        for payment in facts.prior_payments:
            if (payment.source == "advance") != advances or payment.amount == 0:
                continue
            scoped = [
                h
                for h in heads
                if h.layer is not None
                and (payment.category is None or h.claim.category == payment.category)
            ]
            taken = _take_in_order(
                scoped, payment.amount, f"deduction_{payment.source}", self.currency, reference
            )
            label = payment.source.replace("_", " ")
            run.find(
                "deduction_applied",
                "info",
                f"{label} payment of {payment.amount} {self.currency} already received: "
                f"{taken} {self.currency} deducted",
                reference,
            )

    def _apply_caps(
        self,
        heads: Sequence[WorkingHead],
        facts: ClaimFacts,
        minor: bool | None,
        as_of: date,
        run: AssessmentRun,
    ) -> None:
        for cap in self.caps:
            if not cap.applies_to(facts.offence, minor):
                continue
            scoped = [h for h in heads if h.layer == cap.layer and cap.selects(h.claim)]
            if not scoped:
                continue
            limit, given = self._cap_amount(cap, facts, as_of, run)
            if limit is None:
                for head in scoped:
                    head.step(
                        f"cap_{cap.name}",
                        given,
                        "no cap figure is known: not capped; the administrator must check",
                        cap.reference,
                    )
                run.find(
                    "cap_unknown",
                    "attention",
                    f"no figure is known for the cap '{cap.name}' (parameter {cap.amount}); "
                    "the proposal is not capped",
                    cap.reference,
                )
                continue
            claimed = sum((h.amount for h in scoped), Decimal(0))
            if claimed <= limit:
                for head in scoped:
                    head.step(f"cap_{cap.name}", given, "within the cap", cap.reference)
                continue
            remaining = limit
            for head in scoped:
                before = head.amount
                head.amount = min(before, remaining)
                remaining -= head.amount
                head.step(
                    f"cap_{cap.name}",
                    given,
                    f"cap reached: {before} -> {head.amount} {self.currency}",
                    cap.reference,
                )
            run.find(
                "cap_reached",
                "attention",
                f"the cap '{cap.name}' of {limit} {self.currency} was reached "
                f"({claimed} {self.currency} before the cap)",
                cap.reference,
            )

    def _apply_fund_caps(
        self, heads: Sequence[WorkingHead], as_of: date, run: AssessmentRun
    ) -> None:
        """A ministry covering a head the statute does not may set a ceiling for it."""
        for head in heads:
            name = f"fund_cap_{head.claim.category.value}"
            if head.layer != "fund" or name not in run.parameters:
                continue
            limit = run.parameters.optional_decimal(name, as_of)
            if limit is None or head.amount <= limit:
                continue
            before, head.amount = head.amount, limit
            head.step(
                "fund_cap",
                f"fund cap {limit} {self.currency}",
                f"cap reached: {before} -> {limit} {self.currency}",
                self.references["coverage"],
            )
            run.find(
                "cap_reached",
                "attention",
                f"the fund's cap of {limit} {self.currency} for "
                f"{head.claim.category.value.replace('_', ' ')} was reached",
                self.references["coverage"],
            )

    def _cap_amount(
        self, cap: Cap, facts: ClaimFacts, as_of: date, run: AssessmentRun
    ) -> tuple[Decimal | None, str]:
        amount = run.parameters.optional_decimal(cap.amount, as_of)
        if cap.base is None or amount is None:
            return amount, f"cap {amount} {self.currency}" if amount is not None else "cap unknown"
        on = self.base_date(cap.base_date, facts, as_of, run)
        base = run.parameters.decimal(cap.base, on)
        return (
            amount * base,
            f"{amount} x {cap.base} {base} {self.currency} (as of {on.isoformat()})",
        )

    def base_date(
        self, which: BaseDate, facts: ClaimFacts, as_of: date, run: AssessmentRun
    ) -> date:
        """The date a base amount is taken on; a missing recognition date falls back visibly."""
        if which == "crime":
            return facts.crime_date
        if which == "victim_recognition":
            if facts.victim_recognition_date is not None:
                return facts.victim_recognition_date
            if not any(f.code == "base_date_missing" for f in run.findings):
                run.find(
                    "base_date_missing",
                    "attention",
                    "the base amount is taken on the date of recognition as victim, which is not "
                    "recorded; the decision date was used",
                    self.references["coverage"],
                )
        return as_of

    def _court_award_limit(
        self, heads: Sequence[WorkingHead], facts: ClaimFacts, as_of: date, run: AssessmentRun
    ) -> None:
        if facts.court_awarded is None or not run.parameters.flag_or_off(
            "court_award_limits", as_of
        ):
            return
        scoped = [h for h in heads if h.layer == "statute"]
        total = sum((h.amount for h in scoped), Decimal(0))
        reference = self.references.get("court_award", self.references["coverage"])
        if total <= facts.court_awarded:
            return
        remaining = facts.court_awarded
        for head in scoped:
            before = head.amount
            head.amount = min(before, remaining)
            remaining -= head.amount
            head.step(
                "court_award_limit",
                f"court awarded {facts.court_awarded} {self.currency}",
                f"limited to the court's award: {before} -> {head.amount} {self.currency}",
                reference,
            )
        run.find(
            "cap_reached",
            "attention",
            f"the statute pays up to the court's award of {facts.court_awarded} {self.currency}",
            reference,
        )

    def _round(self, heads: Sequence[WorkingHead]) -> None:
        mode = ROUNDING_MODES[self.rounding]
        for head in heads:
            rounded = head.amount.quantize(self.minor_unit, rounding=mode)
            if head.layer is not None and rounded != head.amount:
                head.step(
                    "rounding",
                    f"{head.amount} {self.currency}",
                    f"rounded to {rounded} {self.currency} ({self.decimal_places} decimals)",
                    self.references["rounding"],
                )
            head.amount = rounded

    def _note_unverified(self, run: AssessmentRun) -> None:
        unverified = run.parameters.unverified_read()
        if unverified:
            run.find(
                "unverified_parameter",
                "info",
                "this proposal uses parameter values not yet verified against an official "
                "source: " + ", ".join(unverified),
                self.references["coverage"],
            )

    def _return_allowance(
        self, item: ReturnItem, request: ReturnAssistanceRequest, as_of: date, reference: str
    ) -> ReturnAllowance | None:
        prefix = f"return_{item.value}"
        adult, child = f"{prefix}_adult", f"{prefix}_child"
        if adult not in self.parameters:
            return None
        amount = self.parameters.decimal(adult, as_of) * request.adults
        if child in self.parameters:
            amount += self.parameters.decimal(child, as_of) * request.children
        months = 0
        if f"{prefix}_months" in self.parameters:
            months = int(self.parameters.decimal(f"{prefix}_months", as_of))
            amount *= months
        return ReturnAllowance(
            item, amount.quantize(self.minor_unit), months, False, reference, "fund"
        )


_SPLIT_PARTS = ("case_victims", "victims_fund", "support_services")


def _take_in_order(
    heads: Sequence[WorkingHead], amount: Decimal, rule: str, currency: str, reference: str
) -> Decimal:
    """Reduce heads in claim order by up to `amount` in total; returns what was taken."""
    remaining = amount
    for head in heads:
        if remaining <= 0:
            break
        taken = min(head.amount, remaining)
        before = head.amount
        head.amount -= taken
        remaining -= taken
        head.step(rule, f"{amount} {currency}", f"{before} -> {head.amount} {currency}", reference)
    return amount - remaining


def percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}"


def _age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _required(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidPolicyData(f"data file: '{key}' is required")
    return value


def _offence(raw: Mapping[str, Any]) -> Offence:
    for key in ("from", "until"):
        if key in raw and not isinstance(raw[key], date):
            raise InvalidPolicyData(f"offence {raw.get('code')!r}: '{key}' must be a date")
    return Offence(
        code=str(raw["code"]),
        name=str(raw["name"]),
        reference=str(raw["reference"]),
        effective_from=raw["from"],
        effective_until=raw.get("until"),
        covered=bool(raw.get("covered", True)),
        verified=bool(raw.get("verified", True)),
        tier=raw.get("tier"),
        note=str(raw.get("note", "")),
    )


def _cap(raw: Mapping[str, Any]) -> Cap:
    return Cap(
        **{
            **raw,
            "heads": tuple(raw["heads"]),
            "offences": tuple(raw.get("offences", ())),
            "except_offences": tuple(raw.get("except_offences", ())),
        }
    )
