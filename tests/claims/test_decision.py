"""Classifying a decision and checking its awards, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from claims.decision import HeadAward, HeadFigures, Outcome, decide
from claims.errors import InvalidClaimData

HEADS = [
    HeadFigures(0, Decimal(100000), Decimal(100000)),
    HeadFigures(1, Decimal(20000), Decimal(15000)),
]
REASON = "Receipts cover part of the costs."


class TestDecide:
    def test_everything_awarded_is_approved(self) -> None:
        result = decide(
            HEADS,
            [HeadAward(0, Decimal(100000), None), HeadAward(1, Decimal(20000), REASON)],
            currency="SEK",
            threshold=Decimal(200000),
        )
        assert result.outcome is Outcome.APPROVED
        assert result.total == Decimal(120000)
        assert result.requires_second_approval is False

    def test_part_awarded_is_partly_approved_and_above_the_threshold_needs_four_eyes(
        self,
    ) -> None:
        result = decide(
            HEADS,
            [HeadAward(0, Decimal(100000), None), HeadAward(1, Decimal(15000), REASON)],
            currency="SEK",
            threshold=Decimal(100000),
        )
        assert result.outcome is Outcome.PARTLY_APPROVED
        assert result.requires_second_approval is True

    def test_nothing_awarded_is_rejected(self) -> None:
        result = decide(
            HEADS,
            [HeadAward(0, Decimal(0), REASON), HeadAward(1, Decimal(0), REASON)],
            currency="SEK",
            threshold=Decimal(100000),
        )
        assert result.outcome is Outcome.REJECTED
        assert result.total == 0

    def test_a_departure_from_claim_or_proposal_needs_a_reason(self) -> None:
        with pytest.raises(InvalidClaimData, match="reason"):
            decide(
                HEADS,
                [HeadAward(0, Decimal(100000), None), HeadAward(1, Decimal(15000), None)],
                currency="SEK",
                threshold=Decimal(100000),
            )

    @pytest.mark.parametrize("award", ["100000.01", "-1", "0.001"])
    def test_an_award_outside_zero_and_the_claim_is_refused(self, award: str) -> None:
        with pytest.raises(InvalidClaimData):
            decide(
                HEADS,
                [HeadAward(0, Decimal(award), REASON), HeadAward(1, Decimal(0), REASON)],
                currency="SEK",
                threshold=Decimal(100000),
            )

    def test_each_head_needs_exactly_one_award(self) -> None:
        with pytest.raises(InvalidClaimData, match="exactly one"):
            decide(
                HEADS,
                [HeadAward(0, Decimal(1), REASON), HeadAward(0, Decimal(1), REASON)],
                currency="SEK",
                threshold=Decimal(100000),
            )
