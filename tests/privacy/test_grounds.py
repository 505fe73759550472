"""The rules for keeping her data and for when it is due, as a table: no database."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from claims.workflow import ClaimStatus as S
from fundadmin.privacy.grounds import (
    ClaimState,
    Ground,
    HoldState,
    keep_reasons,
    retention_due_on,
)
from policies import MissingParameter
from policies.retention import retention_countries, retention_period


def _claim(
    status: S,
    *,
    awarded: str | None = None,
    paid: str = "0",
    decided_before: bool = False,
    ended_on: date | None = None,
    country: str = "SE",
    reference: str = "SE-2026-000001",
) -> ClaimState:
    return ClaimState(
        reference=reference,
        country=country,
        status=status,
        decided_before=decided_before,
        awarded_total=Decimal(awarded) if awarded is not None else None,
        paid_total=Decimal(paid),
        ended_on=ended_on,
    )


class TestKeepReasons:
    @pytest.mark.parametrize(
        ("claim", "ground"),
        [
            (_claim(S.DRAFT), None),
            (_claim(S.SUBMITTED), Ground.CLAIM_BEING_DECIDED),
            (_claim(S.AWAITING_SECOND_APPROVAL, awarded="9"), Ground.CLAIM_BEING_DECIDED),
            (_claim(S.APPEALED, awarded="9", paid="9"), Ground.OPEN_APPEAL),
            (_claim(S.UNDER_REVIEW, decided_before=True), Ground.OPEN_APPEAL),
            (_claim(S.DECIDED, awarded="100"), Ground.PENDING_PAYMENT),
            (_claim(S.PARTLY_PAID, awarded="100", paid="40"), Ground.PENDING_PAYMENT),
            (_claim(S.LETTER_ISSUED, awarded="0"), None),
            (_claim(S.PAID, awarded="100", paid="100"), None),
            (_claim(S.CLOSED, awarded="100", paid="100"), None),
            (_claim(S.WITHDRAWN), None),
        ],
    )
    def test_each_status(self, claim: ClaimState, ground: Ground | None) -> None:
        reasons = keep_reasons([claim], [])
        assert [r.ground for r in reasons] == ([ground] if ground else [])
        assert all(r.claim == claim.reference for r in reasons)

    def test_every_hold_is_a_reason(self) -> None:
        hold = HoldState(uuid.uuid4(), "court_case")
        [reason] = keep_reasons([_claim(S.CLOSED)], [hold])
        assert (reason.ground, reason.hold, reason.hold_kind) == (
            Ground.LEGAL_HOLD,
            hold.id,
            "court_case",
        )
        assert "GDPR" in reason.explanation


class TestRetentionDue:
    @staticmethod
    def _after(country: str, ended_on: date) -> date:
        return retention_period(country, date(2026, 11, 24)).erase_after(ended_on)

    def test_due_after_the_latest_claims_period(self) -> None:
        claims = [
            _claim(S.CLOSED, ended_on=date(2026, 1, 31)),
            _claim(S.WITHDRAWN, ended_on=date(2027, 3, 1), country="LV"),
        ]
        assert retention_due_on(claims, self._after) == date(2037, 3, 1)

    def test_an_open_claim_or_none_at_all_is_never_due(self) -> None:
        assert retention_due_on([], self._after) is None
        open_claims = [_claim(S.CLOSED, ended_on=date(2020, 1, 1)), _claim(S.PAID)]
        assert retention_due_on(open_claims, self._after) is None


class TestRetentionParameter:
    def test_every_country_has_a_dated_sourced_period_marked_unverified(self) -> None:
        assert retention_countries() == ("DK", "EE", "FI", "IS", "LT", "LV", "NO", "SE")
        for country in retention_countries():
            period = retention_period(country, date(2026, 11, 24))
            assert period.months == 120
            assert period.source
            assert period.verified is False  # no country publishes one (reference, retention)
            assert period.erase_after(date(2024, 2, 29)) == date(2034, 2, 28)

    def test_a_country_without_a_period_is_an_error_not_forever(self) -> None:
        with pytest.raises(MissingParameter):
            retention_period("XN", date(2026, 11, 24))
