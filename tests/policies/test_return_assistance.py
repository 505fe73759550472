"""Return assistance: what, how much, how long; travel and documents are never charged to her."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from policies import POLICIES, InvalidAmount, ReturnAssistanceRequest, ReturnItem
from tests.policies.ninth import xn

ON = date(2025, 6, 1)


class TestReturnAssistanceEntitlement:
    def test_travel_and_documents_are_paid_at_cost_and_never_charged(self) -> None:
        request = ReturnAssistanceRequest(
            "UA", travel_cost=Decimal("4200.00"), documents_cost=Decimal("900.00")
        )
        entitlement = POLICIES["SE"].return_assistance_entitlement(request, ON)
        by_item = {a.item: a for a in entitlement.allowances}
        assert by_item[ReturnItem.TRAVEL].amount == Decimal("4200.00")
        assert by_item[ReturnItem.DOCUMENTS].amount == Decimal("900.00")
        assert not any(a.charged_to_claimant for a in entitlement.allowances)

    def test_grants_and_subsistence_for_a_mother_and_two_children(self) -> None:
        request = ReturnAssistanceRequest(
            "MD",
            adults=1,
            children=2,
            travel_cost=Decimal("300.00"),
            items=(ReturnItem.REINTEGRATION_GRANT, ReturnItem.SUBSISTENCE, ReturnItem.HOUSING),
        )
        entitlement = POLICIES["LV"].return_assistance_entitlement(request, ON)
        by_item = {a.item: a for a in entitlement.allowances}
        assert by_item[ReturnItem.REINTEGRATION_GRANT].amount == Decimal("3000.00")
        assert by_item[ReturnItem.SUBSISTENCE].amount == Decimal("3600.00")
        assert by_item[ReturnItem.SUBSISTENCE].months == 6
        assert by_item[ReturnItem.HOUSING].amount == Decimal("1200.00")
        assert entitlement.total == Decimal("8100.00")
        assert entitlement.currency == "EUR"

    def test_an_item_the_country_does_not_offer_is_listed_as_such(self) -> None:
        request = ReturnAssistanceRequest(
            "UA", travel_cost=Decimal("250.00"), items=(ReturnItem.HOUSING,)
        )
        entitlement = xn.POLICY.return_assistance_entitlement(request, ON)
        assert entitlement.not_offered == (ReturnItem.HOUSING,)
        assert entitlement.total == Decimal("250.00")

    def test_kronur_allowances_are_whole(self) -> None:
        request = ReturnAssistanceRequest("PL", items=(ReturnItem.REINTEGRATION_GRANT,))
        entitlement = POLICIES["IS"].return_assistance_entitlement(request, ON)
        assert entitlement.total == Decimal("225000")

    @pytest.mark.parametrize(
        "request_",
        [
            ReturnAssistanceRequest("UA", adults=0),
            ReturnAssistanceRequest("UA", travel_cost=Decimal("-1")),
            ReturnAssistanceRequest("UA", documents_cost=Decimal("0.001")),
        ],
    )
    def test_impossible_requests_are_refused(self, request_: ReturnAssistanceRequest) -> None:
        with pytest.raises(InvalidAmount):
            POLICIES["SE"].return_assistance_entitlement(request_, ON)


class TestTrainingAndMedicalCare:
    def test_a_mother_and_her_child_in_sweden(self) -> None:
        request = ReturnAssistanceRequest(
            "LV", adults=1, children=1, items=(ReturnItem.TRAINING, ReturnItem.MEDICAL_CARE)
        )
        entitlement = POLICIES["SE"].return_assistance_entitlement(request, ON)
        by_item = {a.item: a for a in entitlement.allowances}
        # Training: once, for the adult only (a child goes to school).
        assert (by_item[ReturnItem.TRAINING].amount, by_item[ReturnItem.TRAINING].months) == (
            Decimal("15000.00"),
            0,
        )
        # Medical care: (1 500 + 750) SEK a month for six months.
        assert by_item[ReturnItem.MEDICAL_CARE].amount == Decimal("13500.00")
        assert by_item[ReturnItem.MEDICAL_CARE].months == 6
        assert not any(a.charged_to_claimant for a in entitlement.allowances)
        assert entitlement.not_offered == ()

    @pytest.mark.parametrize("country", sorted(POLICIES))
    def test_every_country_offers_them_with_unverified_figures(self, country: str) -> None:
        policy = POLICIES[country]
        request = ReturnAssistanceRequest(
            "UA", items=(ReturnItem.TRAINING, ReturnItem.MEDICAL_CARE)
        )
        entitlement = policy.return_assistance_entitlement(request, ON)
        by_item = {a.item: a for a in entitlement.allowances}
        assert by_item[ReturnItem.TRAINING].amount > 0
        assert by_item[ReturnItem.MEDICAL_CARE].months == 6
        # No rule for these items is published (compensation-schemes.md): the fund's own
        # figures, marked unverified until the ministry sets them.
        for name in ("return_training_adult", "return_medical_care_adult"):
            assert policy.parameters.get(name, ON).verified is False

    def test_a_country_without_the_figures_does_not_offer_them(self) -> None:
        request = ReturnAssistanceRequest("UA", items=(ReturnItem.TRAINING,))
        entitlement = xn.POLICY.return_assistance_entitlement(request, ON)
        assert entitlement.not_offered == (ReturnItem.TRAINING,)
