"""Adding a country is one module and one data file (README "Adding a country")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from policies import HeadCategory, ParameterNotInForce
from policies.registry import discover
from tests.policies.factories import facts, material, withheld
from tests.policies.ninth import xn

NINTH = Path(xn.__file__).parent


class TestAddingACountry:
    def test_the_country_is_exactly_one_module_and_one_data_file(self) -> None:
        files = sorted(p.name for p in NINTH.iterdir() if p.suffix in {".py", ".toml"})
        assert files == ["__init__.py", "xn.py", "xn.toml"]

    def test_the_registry_finds_it_without_any_other_edit(self) -> None:
        registry = discover("tests.policies.ninth")
        assert list(registry) == ["XN"]
        assert registry["XN"].currency == "EUR"

    def test_it_assesses_with_its_own_cap_base_amount_and_fund_rule(self) -> None:
        claim = facts(
            "XN",
            material("XN", "15000"),
            withheld("XN", "2000"),
            crime=date(2024, 2, 1),
            applied=date(2024, 3, 1),
        )
        assessment = xn.POLICY.assess(claim, date(2024, 6, 1))

        assert [h.proposed for h in assessment.heads] == [Decimal("12000.00"), Decimal("2000.00")]
        withheld_trace = assessment.heads[1].trace
        assert withheld_trace[0].layer == "fund"
        assert assessment.heads[1].category == HeadCategory.WITHHELD_EARNINGS
        assert assessment.requires_second_approval

    def test_the_base_amount_before_its_change_gives_the_lower_cap(self) -> None:
        claim = facts(
            "XN", material("XN", "15000"), crime=date(2023, 2, 1), applied=date(2023, 3, 1)
        )
        assert xn.POLICY.assess(claim, date(2023, 12, 31)).total_proposed == Decimal("10000.00")

    def test_a_decision_before_its_first_parameters_is_an_error(self) -> None:
        claim = facts("XN", material("XN", "100"), crime=date(2019, 2, 1), applied=date(2019, 3, 1))
        with pytest.raises(ParameterNotInForce):
            xn.POLICY.assess(claim, date(2019, 6, 1))
