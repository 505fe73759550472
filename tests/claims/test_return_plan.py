"""The pure core of return assistance: grants, schedule, conversion, records, lifecycle."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claims.errors import ReturnTransitionRefused
from claims.returns import plan
from claims.returns.plan import RecordKind, ReturnEvent, ReturnStatus
from policies import ReturnAssistanceRequest, ReturnItem, get_policy

AS_OF = date(2026, 11, 24)


def _granted(*requested: tuple[ReturnItem, str]) -> tuple[plan.GrantedItem, ...]:
    wanted = tuple(plan.RequestedItem(item, Decimal(amount)) for item, amount in requested)
    costs = {w.item: w.amount for w in wanted}
    entitlement = get_policy("SE").return_assistance_entitlement(
        ReturnAssistanceRequest(
            "LV",
            travel_cost=costs.get(ReturnItem.TRAVEL, Decimal(0)),
            documents_cost=costs.get(ReturnItem.DOCUMENTS, Decimal(0)),
            items=tuple(costs),
        ),
        AS_OF,
    )
    return plan.grant(wanted, entitlement)


class TestGrant:
    def test_travel_and_documents_are_paid_in_full_whatever_they_cost(self) -> None:
        granted = _granted((ReturnItem.TRAVEL, "95000"), (ReturnItem.DOCUMENTS, "4000"))
        assert [g.granted for g in granted] == [Decimal(95000), Decimal(4000)]

    def test_other_items_are_capped_by_the_policy(self) -> None:
        [housing] = _granted((ReturnItem.HOUSING, "50000"))
        assert (housing.granted, housing.months) == (Decimal(12000), 3)
        assert housing.note == "limited to the policy's cap"


class TestSchedule:
    def test_one_off_items_first_then_monthly_parts_summing_to_the_grant(self) -> None:
        granted = _granted(
            (ReturnItem.TRAVEL, "3000"),
            (ReturnItem.SUBSISTENCE, "1000"),
            (ReturnItem.HOUSING, "100"),
        )
        schedule = plan.schedule(granted, date(2027, 1, 31), "SEK")
        assert schedule[0].due_on == date(2027, 1, 31)
        assert schedule[1].due_on == date(2027, 2, 28)
        assert len(schedule) == 7
        assert sum(i.amount for i in schedule) == Decimal(3000) + Decimal(1000) + Decimal(100)


class TestConvert:
    @pytest.mark.parametrize("amount", ["7000.00", "3000.00", "0.05", "12345.67"])
    @pytest.mark.parametrize("rate", ["11.47", "11.4999", "0.087", "1"])
    def test_never_more_than_granted_and_within_the_ledgers_tolerance(
        self, amount: str, rate: str
    ) -> None:
        if Decimal(amount) / Decimal(rate) < Decimal("0.01"):
            return
        converted = plan.convert(Decimal(amount), Decimal(rate), "SEK", "EUR")
        assert converted.fund_amount <= Decimal(amount)
        assert abs(converted.payee_amount * Decimal(rate) - converted.fund_amount) <= Decimal(
            "0.005"
        )


class TestRecords:
    def test_missing_records_are_named_and_a_high_risk_needs_confirmation(self) -> None:
        assert plan.missing_records(plan.RecordsOnFile(False, None, False, False)) == (
            RecordKind.CONSENT,
            RecordKind.RISK_ASSESSMENT,
            RecordKind.NEEDS_ASSESSMENT,
        )
        assert plan.missing_records(plan.RecordsOnFile(True, "high", False, True)) == (
            RecordKind.RISK_CONFIRMATION,
        )
        assert plan.missing_records(plan.RecordsOnFile(True, "low", False, True)) == ()


class TestLifecycle:
    def test_consent_can_be_withdrawn_in_every_open_status(self) -> None:
        for status in (ReturnStatus.APPLIED, ReturnStatus.APPROVED, ReturnStatus.PAUSED):
            assert plan.transition(status, ReturnEvent.WITHDRAW_CONSENT) is ReturnStatus.STOPPED

    def test_a_paused_schedule_pays_nothing(self) -> None:
        with pytest.raises(ReturnTransitionRefused, match="resume"):
            plan.transition(ReturnStatus.PAUSED, ReturnEvent.PAY)
