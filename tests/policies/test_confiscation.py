"""Splitting confiscated assets between case victims, the fund and support services, exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies import POLICIES, InvalidAmount

ON = date(2025, 6, 1)


class TestSplitConfiscation:
    def test_an_even_amount_splits_by_the_fund_shares(self) -> None:
        split = POLICIES["SE"].split_confiscation(Decimal("1000000.00"), ON)
        assert (split.case_victims, split.victims_fund, split.support_services) == (
            Decimal("500000.00"),
            Decimal("300000.00"),
            Decimal("200000.00"),
        )

    def test_the_leftover_cent_goes_to_the_largest_remainder(self) -> None:
        split = POLICIES["LV"].split_confiscation(Decimal("0.07"), ON)
        assert (split.case_victims, split.victims_fund, split.support_services) == (
            Decimal("0.04"),
            Decimal("0.02"),
            Decimal("0.01"),
        )

    def test_kronur_have_no_minor_unit(self) -> None:
        split = POLICIES["IS"].split_confiscation(Decimal("1001"), ON)
        assert split.case_victims + split.victims_fund + split.support_services == Decimal("1001")
        assert all(part == part.to_integral_value() for part in (split.victims_fund,))

    @given(cents=st.integers(min_value=0, max_value=10**13))
    @pytest.mark.parametrize("country", sorted(POLICIES))
    def test_parts_always_sum_exactly_to_the_amount(self, country: str, cents: int) -> None:
        policy = POLICIES[country]
        digits = 0 if policy.currency == "ISK" else 2
        amount = Decimal(cents).scaleb(-digits)
        split = policy.split_confiscation(amount, ON)
        parts = (split.case_victims, split.victims_fund, split.support_services)
        assert sum(parts) == amount
        assert all(
            part >= 0 and part == part.quantize(Decimal(1).scaleb(-digits)) for part in parts
        )

    def test_a_fraction_of_a_cent_is_refused(self) -> None:
        with pytest.raises(InvalidAmount):
            POLICIES["FI"].split_confiscation(Decimal("10.005"), ON)

    def test_a_negative_amount_is_refused(self) -> None:
        with pytest.raises(InvalidAmount):
            POLICIES["FI"].split_confiscation(Decimal("-1"), ON)

    def test_the_split_cites_its_rule(self) -> None:
        assert POLICIES["LV"].split_confiscation(Decimal("1"), ON).reference
