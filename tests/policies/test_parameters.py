"""Parameters over time: every value sourced and dated; no silent zero, no stale base amount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from policies import POLICIES, InvalidPolicyData, ParameterExpired, ParameterNotInForce
from policies.engine import StandardPolicy
from policies.parameters import add_months, parse_parameter
from tests.policies.factories import facts, material, non_material
from tests.policies.ninth import xn


class TestEveryValueIsSourcedAndDated:
    @pytest.mark.parametrize("country", sorted(POLICIES))
    def test_each_value_has_a_source_an_effective_date_and_a_verified_flag(
        self, country: str
    ) -> None:
        policy = POLICIES[country]
        assert isinstance(policy, StandardPolicy)
        for parameter in policy.parameters:
            assert parameter.layer in ("statute", "fund")
            assert parameter.description
            for value in parameter.values:
                assert isinstance(value.effective_from, date)
                assert value.source.strip(), parameter.name
                assert isinstance(value.verified, bool)

    @pytest.mark.parametrize("country", sorted(POLICIES))
    def test_fund_defaults_chosen_by_us_are_marked_unverified(self, country: str) -> None:
        policy = POLICIES[country]
        assert isinstance(policy, StandardPolicy)
        for parameter in policy.parameters:
            for value in parameter.values:
                if "fundadmin default" in value.source:
                    assert parameter.layer == "fund"
                    assert not value.verified

    def test_a_value_without_a_source_is_refused_when_loaded(self) -> None:
        raw = {
            "layer": "statute",
            "values": [{"from": date(2020, 1, 1), "value": "1", "source": "", "verified": True}],
        }
        with pytest.raises(InvalidPolicyData, match="no source"):
            parse_parameter("cap", raw)

    def test_an_amount_written_as_a_toml_number_is_refused(self) -> None:
        raw = {
            "layer": "statute",
            "values": [{"from": date(2020, 1, 1), "value": 0.1, "source": "x", "verified": True}],
        }
        with pytest.raises(InvalidPolicyData, match="strings"):
            parse_parameter("share", raw)


class TestCurrencyIsCheckedWhenLoaded:
    def test_decimal_places_must_agree_with_iso_4217(self) -> None:
        text = (Path(xn.__file__).parent / "xn.toml").read_text(encoding="utf-8")
        with pytest.raises(InvalidPolicyData, match="ISO 4217"):
            StandardPolicy.from_toml(text.replace("decimal_places = 2", "decimal_places = 0"))

    def test_an_unknown_currency_is_refused(self) -> None:
        text = (Path(xn.__file__).parent / "xn.toml").read_text(encoding="utf-8")
        with pytest.raises(InvalidPolicyData, match="unknown currency"):
            StandardPolicy.from_toml(text.replace('currency = "EUR"', 'currency = "XXQ"'))


class TestConfiscationSharesAreCheckedWhenLoaded:
    def test_shares_not_summing_to_one_fail_at_load(self) -> None:
        text = (Path(xn.__file__).parent / "xn.toml").read_text(encoding="utf-8")
        broken = text.replace('value = "0.1", source', 'value = "0.2", source')
        with pytest.raises(InvalidPolicyData, match="sum to 1"):
            StandardPolicy.from_toml(broken)


class TestEvaluatedAsOfADate:
    def test_a_date_before_the_first_value_is_an_error_not_zero(self) -> None:
        claim = facts(
            "NO", non_material("NO", "1000"), crime=date(2022, 1, 1), applied=date(2022, 6, 1)
        )
        with pytest.raises(ParameterNotInForce) as raised:
            POLICIES["NO"].assess(claim, date(2022, 12, 31))
        assert raised.value.first == date(2023, 1, 1)

    def test_a_yearly_base_amount_nobody_entered_is_an_error_not_last_years(self) -> None:
        claim = facts("NO", material("NO", "1000"))
        with pytest.raises(ParameterExpired, match="grunnbelop"):
            POLICIES["NO"].assess(claim, date(2026, 5, 1))

    def test_a_lapsed_yearly_figure_is_listed_as_lapsed_for_someone_to_enter(self) -> None:
        in_force = {p.name: p for p in POLICIES["NO"].parameters_in_force(date(2026, 6, 1))}
        assert in_force["grunnbelop"].lapsed
        assert in_force["grunnbelop"].value.effective_from == date(2025, 5, 1)
        assert not in_force["cap_g_multiple"].lapsed

    def test_norway_takes_g_on_the_decision_date(self) -> None:
        in_force = {p.name: p.value for p in POLICIES["NO"].parameters_in_force(date(2024, 4, 30))}
        assert in_force["grunnbelop"].value == Decimal("118620")
        assert in_force["grunnbelop"].verified

    def test_parameters_in_force_show_unverified_figures_as_such(self) -> None:
        in_force = {p.name: p.value for p in POLICIES["DK"].parameters_in_force(date(2024, 1, 1))}
        assert in_force["general_cap"].value is None
        assert not in_force["general_cap"].verified

    def test_lithuania_names_the_authority_deciding_on_the_date(self) -> None:
        def authority(on: date) -> object:
            params = {p.name: p.value for p in POLICIES["LT"].parameters_in_force(on)}
            return params["deciding_authority"].value

        assert authority(date(2025, 12, 31)) == "Teisingumo ministerija (Ministry of Justice)"
        assert authority(date(2026, 1, 1)) == "Valstybės garantuojamos teisinės pagalbos tarnyba"


class TestAddMonths:
    @pytest.mark.parametrize(
        ("start", "months", "expected"),
        [
            (date(2023, 1, 31), 1, date(2023, 2, 28)),
            (date(2024, 2, 29), 12, date(2025, 2, 28)),
            (date(2020, 3, 15), 36, date(2023, 3, 15)),
            (date(2020, 11, 30), 3, date(2021, 2, 28)),
        ],
    )
    def test_month_ends_never_overflow(self, start: date, months: int, expected: date) -> None:
        assert add_months(start, months) == expected
