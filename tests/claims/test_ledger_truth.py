"""Issue 13, "ledger answers that are true at every moment", as an adviser and administrators
would see them over HTTP."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.claims.conftest import Driver, decision
from tests.clock import NOW

LEDGER = "/api/v1/ledger/accounts"


async def _balance(driver: Driver, code: str) -> dict[str, Any]:
    return (await driver.call("GET", f"{LEDGER}/{code}/balance", "admin-se")).json()


async def _decided(driver: Driver, claim: dict[str, Any], *awards: str) -> dict[str, Any]:
    claim = await driver.step(claim, "decision", "admin-se", decision(*awards), money=True)
    if claim["status"] == "awaiting_second_approval":
        claim = await driver.step(claim, "approvals", "admin2-se", {}, money=True)
    return claim


async def test_an_appeal_never_overstates_the_fund_nor_takes_the_award_account_negative(
    driver: Driver,
) -> None:
    claim = await _decided(driver, await driver.assessed(), "10000", "5000", "5000")
    payable = f"SE/payable/award/{claim['id']}"
    assert (await _balance(driver, payable))["pending_in"] == "20000.00"
    claim = await driver.issue_letter(claim)
    claim = await driver.step(
        claim,
        "payments",
        "admin-se",
        {"amount": "20000", "currency": "SEK", "paid_on": NOW.date().isoformat()},
        money=True,
    )
    fund_paid = await _balance(driver, "SE/fund/victims")

    claim = await driver.step(claim, "appeal", "adviser-marta", {"reason": "Wages proven."})
    claim = await driver.step(claim, "review", "admin-se")
    claim = await driver.step(claim, "assessment", "admin-se", {})
    claim = await _decided(driver, claim, "15000", "5000", "5000")

    # Until the new letter: nothing posted changed, the increase is shown as pending on both sides.
    award = await _balance(driver, payable)
    assert (award["posted"], award["pending_in"]) == ("0.00", "5000.00")
    fund = await _balance(driver, "SE/fund/victims")
    assert fund["posted"] == fund_paid["posted"]
    assert Decimal(fund_paid["available"]) - Decimal(fund["available"]) == Decimal("5000")

    claim = await driver.issue_letter(claim)
    assert Decimal(claim["outstanding"]) == Decimal("5000")
    assert (await _balance(driver, payable))["posted"] == "5000.00"


async def test_an_assessment_as_of_a_date_before_the_crime_is_refused(driver: Driver) -> None:
    claim = await driver.step(await driver.submitted(), "review", "admin-se")
    refused = await driver.step(
        claim, "assessment", "admin-se", {"as_of": "2025-02-28"}, expect=422
    )
    assert refused["errors"][0]["field"] == "as_of"
    assert (await driver.get(claim))["status"] == "under_review"
