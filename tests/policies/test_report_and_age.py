"""Facts the API now carries: the police report's date (Denmark: within 72 hours of the crime
unless the circumstances excuse it) and her age on the application date (Sweden: a child
victim may apply until 21), in the dry run and on a stored claim."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
import pytest

from policies import InvalidFacts, get_policy
from tests.claims.conftest import Driver, claim_body, claimant_body
from tests.policies.factories import facts, non_material

Auth = Callable[[str], Awaitable[Any]]
CRIME = date(2024, 3, 1)


def danish(report: date | None) -> set[str]:
    assessment = get_policy("DK").assess(
        facts(
            "DK",
            non_material("DK", "10000"),
            crime=CRIME,
            applied=date(2024, 9, 1),
            police_report_date=report,
        ),
        date(2024, 10, 1),
    )
    return {f.code for f in assessment.findings}


class TestDenmark72Hours:
    def test_a_report_on_the_third_day_is_in_time(self) -> None:
        assert "police_report_late" not in danish(date(2024, 3, 4))

    def test_a_report_on_the_fourth_day_is_late_and_the_administrator_weighs_it(self) -> None:
        assert "police_report_late" in danish(date(2024, 3, 5))

    def test_without_the_date_the_administrator_is_told_to_record_it(self) -> None:
        assert "police_report_date_missing" in danish(None)

    def test_a_report_before_the_crime_is_refused(self) -> None:
        with pytest.raises(InvalidFacts):
            danish(date(2024, 2, 28))

    def test_sweden_sets_no_delay(self) -> None:
        assessment = get_policy("SE").assess(
            facts("SE", non_material("SE", "1000"), police_report_date=date(2024, 12, 1)),
            date(2024, 12, 2),
        )
        assert "police_report_late" not in {f.code for f in assessment.findings}


def findings(country: str, report: date | None) -> set[str]:
    assessment = get_policy(country).assess(
        facts(
            country,
            non_material(country, "1000"),
            crime=CRIME,
            applied=date(2024, 9, 1),
            police_report_date=report,
        ),
        date(2024, 10, 1),
    )
    return {f.code for f in assessment.findings}


class TestEstonia15Days:
    """The older text's 15 days, flagged for the administrator (never refused), and marked
    unverified against the 2023 Act."""

    def test_a_report_on_the_fifteenth_day_is_in_time(self) -> None:
        assert "police_report_late" not in findings("EE", date(2024, 3, 16))

    def test_a_report_on_the_sixteenth_day_is_late_and_weighed(self) -> None:
        assert "police_report_late" in findings("EE", date(2024, 3, 17))


class TestIcelandWithoutUndueDelay:
    def test_a_report_the_same_day_needs_no_weighing(self) -> None:
        found = findings("IS", CRIME)
        assert not found & {"police_report_delay_to_weigh", "police_report_late"}

    def test_a_delay_is_shown_for_the_administrator_to_weigh_never_refused(self) -> None:
        found = findings("IS", date(2024, 5, 1))
        assert "police_report_delay_to_weigh" in found
        assert "police_report_late" not in found

    def test_without_the_date_the_administrator_is_told_to_record_it(self) -> None:
        assert "police_report_date_missing" in findings("IS", None)


SWEDISH_CHILD = {
    "offence": "trafficking",
    "crime_date": "2019-01-01",
    "application_date": "2023-06-01",
    "reported_to_police": True,
    "is_minor_at_crime": True,
    "heads": [{"category": "non_material", "amount_claimed": "50000", "currency": "SEK"}],
    "as_of": "2023-09-01",
}


class TestSwedenUntil21:
    @pytest.mark.parametrize(
        ("extra", "in_time"),
        [
            ({"age_at_application": 20}, True),
            ({"age_at_application": 21}, False),
            ({"claimant_birth_date": "2008-01-01"}, True),
            ({"claimant_birth_date": "2001-01-01"}, False),
        ],
    )
    async def test_the_dry_run_takes_an_age_or_a_birth_date(
        self, client: httpx.AsyncClient, auth: Auth, extra: dict[str, Any], in_time: bool
    ) -> None:
        response = await client.post(
            "/api/v1/policies/SE/assess",
            json={**SWEDISH_CHILD, **extra},
            headers=await auth("adviser-marta"),
        )
        assert response.status_code == 200, response.text
        found = {f["code"] for f in response.json()["findings"]}
        assert ("deadline_met_by_exception" in found) is in_time
        assert ("deadline_passed" in found) is not in_time

    async def test_a_stored_claim_uses_her_stored_birth_date(self, driver: Driver) -> None:
        # claimant_body's birth date is 1999-04-02: 24 when she applies today, too late; born
        # 2008 she is a child at the crime and under 21 today.
        for birth, in_time in (("1999-04-02", False), ("2008-01-01", True)):
            body = claimant_body()
            body["personal"]["birth_date"] = birth
            claimant = (
                await driver.call(
                    "POST", "/api/v1/claimants", "adviser-marta", json=body, expect=201
                )
            ).json()
            claim = (
                await driver.call(
                    "POST",
                    "/api/v1/claims",
                    "adviser-marta",
                    json=claim_body(
                        claimant["id"],
                        crime_date="2020-01-01",
                        is_minor_at_crime=True,
                        police_report_date="2020-01-02",
                    ),
                    expect=201,
                )
            ).json()
            assert claim["police_report_date"] == "2020-01-02"
            claim = await driver.step(claim, "submit", "adviser-marta")
            claim = await driver.step(claim, "review", "admin-se")
            claim = await driver.step(claim, "assessment", "admin-se", {})
            found = {
                f["code"]
                for f in (
                    await driver.call("GET", f"/api/v1/claims/{claim['id']}/assessment", "admin-se")
                ).json()["findings"]
            }
            assert ("deadline_met_by_exception" in found) is in_time, (birth, found)


class TestStoredReportDate:
    async def test_a_report_before_the_crime_is_refused_at_the_door_of_the_draft(
        self, driver: Driver
    ) -> None:
        claimant = await driver.register()
        response = await driver.call(
            "POST",
            "/api/v1/claims",
            "adviser-marta",
            json=claim_body(
                claimant["id"], crime_date="2024-03-01", police_report_date="2024-02-28"
            ),
            expect=422,
        )
        assert response.json()["errors"][0]["field"] == "police_report_date"
