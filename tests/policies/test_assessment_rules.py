"""Rules shared by every country: two layers, findings not refusals, exact money."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from policies import (
    POLICIES,
    CurrencyMismatch,
    DatedParameter,
    HeadCategory,
    HeadClaim,
    InvalidAmount,
    InvalidFacts,
    ParameterValue,
    WrongCountry,
)
from policies.engine import StandardPolicy
from tests.policies.factories import facts, material, non_material, paid


def fund_rule(name: str, on: date = date(2004, 1, 1)) -> DatedParameter:
    return DatedParameter(
        name,
        "fund",
        "true/false",
        "ministry decision",
        (ParameterValue(on, True, "ministry", True),),
    )


def estonia(*rules: DatedParameter) -> StandardPolicy:
    policy = POLICIES["EE"]
    assert isinstance(policy, StandardPolicy)
    return policy.with_parameters(rules)


class TestTwoLayers:
    def test_a_fund_rule_covers_what_the_statute_does_not_and_the_trace_says_so(self) -> None:
        policy = estonia(fund_rule("fund_covers_non_material"))
        assessment = policy.assess(facts("EE", non_material("EE", "3000")), date(2024, 1, 10))

        head = assessment.heads[0]
        assert head.proposed == Decimal("3000.00")
        assert {step.layer for step in head.trace} == {"fund"}
        assert "head_covered_by_fund_rule" in {f.code for f in assessment.findings}

    def test_statute_caps_do_not_limit_a_fund_covered_head(self) -> None:
        policy = estonia(fund_rule("fund_covers_non_material"))
        claim = facts("EE", non_material("EE", "12000"), material("EE", "20000"))
        assessment = policy.assess(claim, date(2024, 1, 10))
        assert [h.proposed for h in assessment.heads] == [Decimal("12000.00"), Decimal("9590.00")]

    def test_the_ministry_may_cap_a_head_only_its_fund_rule_covers(self) -> None:
        cap = DatedParameter(
            "fund_cap_non_material",
            "fund",
            "EUR",
            "ministry ceiling",
            (ParameterValue(date(2004, 1, 1), Decimal("2500"), "ministry", True),),
        )
        policy = estonia(fund_rule("fund_covers_non_material"), cap)
        assessment = policy.assess(facts("EE", non_material("EE", "3000")), date(2024, 1, 10))
        assert assessment.heads[0].proposed == Decimal("2500.00")
        assert assessment.heads[0].trace[-1].layer == "fund"
        assert "cap_reached" in {f.code for f in assessment.findings}

    def test_fund_rules_are_off_unless_set(self) -> None:
        assessment = POLICIES["EE"].assess(
            facts("EE", non_material("EE", "3000")), date(2024, 1, 10)
        )
        assert assessment.heads[0].proposed == Decimal("0.00")

    def test_a_fund_rule_may_waive_the_police_report(self) -> None:
        policy = estonia(fund_rule("fund_waives_police_report"))
        assessment = policy.assess(
            facts("EE", material("EE", "100"), police=False), date(2024, 1, 10)
        )
        finding = next(f for f in assessment.findings if f.code == "police_report_missing")
        assert finding.severity == "info"
        assert any(step.layer == "fund" for step in assessment.trace)


class TestNeverRefusedAtTheDoor:
    def test_a_late_unreported_claim_from_abroad_still_gets_a_proposal(self) -> None:
        claim = facts(
            "SE",
            non_material("SE", "80000"),
            crime=date(2015, 1, 1),
            applied=date(2024, 1, 1),
            police=False,
            crime_in_country=False,
            resident_in_country=False,
        )
        assessment = POLICIES["SE"].assess(claim, date(2024, 3, 1))
        assert assessment.total_proposed == Decimal("80000.00")
        attention = {f.code for f in assessment.findings if f.severity == "attention"}
        assert {"deadline_passed", "police_report_missing", "crime_outside_country"} <= attention

    def test_every_finding_and_step_names_its_legal_reference(self) -> None:
        claim = facts("FI", non_material("FI", "10000"), police=False)
        assessment = POLICIES["FI"].assess(claim, date(2024, 1, 10))
        assert all(f.reference for f in assessment.findings)
        assert all(s.reference for h in assessment.heads for s in h.trace)


class TestMoney:
    def test_a_head_in_another_currency_is_refused_not_converted(self) -> None:
        claim = facts("SE", HeadClaim(HeadCategory.NON_MATERIAL, Decimal("100"), "EUR"))
        with pytest.raises(CurrencyMismatch, match="SEK"):
            POLICIES["SE"].assess(claim, date(2024, 1, 10))

    def test_a_prior_payment_in_another_currency_is_refused(self) -> None:
        claim = facts(
            "SE", non_material("SE", "100"), prior_payments=(paid("FI", "offender", "5"),)
        )
        with pytest.raises(CurrencyMismatch):
            POLICIES["SE"].assess(claim, date(2024, 1, 10))

    def test_a_negative_amount_is_refused(self) -> None:
        with pytest.raises(InvalidAmount):
            POLICIES["SE"].assess(facts("SE", non_material("SE", "-1")), date(2024, 1, 10))

    def test_facts_of_another_country_are_refused(self) -> None:
        with pytest.raises(WrongCountry):
            POLICIES["SE"].assess(facts("FI", non_material("FI", "1")), date(2024, 1, 10))

    def test_an_application_before_the_crime_is_refused(self) -> None:
        claim = facts(
            "SE", non_material("SE", "1"), crime=date(2024, 2, 1), applied=date(2024, 1, 1)
        )
        with pytest.raises(InvalidFacts, match="application"):
            POLICIES["SE"].assess(claim, date(2024, 3, 1))

    def test_deductions_never_make_a_head_negative(self) -> None:
        claim = facts(
            "SE", non_material("SE", "100"), prior_payments=(paid("SE", "insurance", "500"),)
        )
        assert POLICIES["SE"].assess(claim, date(2024, 1, 10)).total_proposed == Decimal("0.00")


class TestSecondApproval:
    @pytest.mark.parametrize("country", sorted(POLICIES))
    def test_each_country_has_a_positive_threshold_as_a_fund_parameter(self, country: str) -> None:
        policy = POLICIES[country]
        assert isinstance(policy, StandardPolicy)
        assert policy.parameters.layer("second_approval_threshold") == "fund"
        assert policy.second_approval_threshold(date(2026, 1, 1)) > 0

    def test_an_award_at_the_threshold_needs_no_second_administrator(self) -> None:
        assessment = POLICIES["SE"].assess(
            facts("SE", non_material("SE", "100000")), date(2024, 1, 10)
        )
        assert not assessment.requires_second_approval


class TestLetterLanguages:
    @pytest.mark.parametrize(
        ("country", "languages"),
        [("FI", ("fi", "sv")), ("SE", ("sv",)), ("IS", ("is",)), ("LV", ("lv",))],
    )
    def test_the_deciding_countrys_languages(
        self, country: str, languages: tuple[str, ...]
    ) -> None:
        assert POLICIES[country].letter_languages(date(2024, 1, 1)) == languages
