"""Issue 13: an appeal decision below what was already paid records the overpayment as a
receivable that belongs to the claim, instead of leaving the claim stuck."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.security.principal import Role
from fundadmin.security.users import Grant, create_user
from tests.claims.conftest import Driver, decision
from tests.claims.test_claim_money_doors import _raw_payment
from tests.clock import NOW

LEDGER = "/api/v1/ledger"


@pytest.fixture
async def raw(database_url: URL) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(
        database_url.set(drivername="postgresql").render_as_string(hide_password=False)
    )
    yield conn
    await conn.close()


async def _balance(driver: Driver, code: str) -> dict[str, Any]:
    return (await driver.call("GET", f"{LEDGER}/accounts/{code}/balance", "admin-se")).json()


async def _decided(driver: Driver, claim: dict[str, Any], *awards: str) -> dict[str, Any]:
    claim = await driver.step(claim, "decision", "admin-se", decision(*awards), money=True)
    if claim["status"] == "awaiting_second_approval":
        claim = await driver.step(claim, "approvals", "admin2-se", {}, money=True)
    return claim


async def _overpaid_by_appeal(driver: Driver) -> dict[str, Any]:
    """Decide 20 000, letter, pay 20 000, appeal, decide 15 000, letter."""
    claim = await _decided(driver, await driver.assessed(), "10000", "5000", "5000")
    claim = await driver.issue_letter(claim)
    claim = await driver.step(
        claim,
        "payments",
        "admin-se",
        {"amount": "20000", "currency": "SEK", "paid_on": NOW.date().isoformat()},
        money=True,
    )
    claim = await driver.step(claim, "appeal", "adviser-marta", {"reason": "Reassess."})
    claim = await driver.step(claim, "review", "admin-se")
    claim = await driver.step(claim, "assessment", "admin-se", {})
    claim = await _decided(driver, claim, "5000", "5000", "5000")
    return await driver.issue_letter(claim)


async def test_an_appeal_below_what_was_paid_records_the_overpayment(driver: Driver) -> None:
    fund_before = await _balance(driver, "SE/fund/victims")
    claim = await _overpaid_by_appeal(driver)
    receivable = await _balance(driver, f"SE/receivable/overpaid/{claim['id']}")
    assert receivable["posted"] == "5000.00"
    assert (await _balance(driver, f"SE/payable/award/{claim['id']}"))["posted"] == "0.00"
    fund_after = await _balance(driver, "SE/fund/victims")
    # The fund paid 20 000 but is out of pocket 15 000: the rest is owed back as the receivable.
    assert Decimal(fund_before["posted"]) - Decimal(fund_after["posted"]) == Decimal("15000")

    # The claim cannot be closed as if nothing were owed back.
    refused = await driver.step(claim, "close", "admin-se", {}, expect=409)
    assert "neither repaid nor waived" in refused["detail"]


async def test_generic_ledger_routes_refuse_the_receivable(driver: Driver) -> None:
    claim = await _overpaid_by_appeal(driver)
    code = f"SE/receivable/overpaid/{claim['id']}"
    body = {
        "country": "SE",
        "kind": "payment",
        "effective_date": NOW.date().isoformat(),
        "postings": [
            {"account": "SE/fund/victims", "side": "debit", "amount": "5000", "currency": "SEK"},
            {"account": code, "side": "credit", "amount": "5000", "currency": "SEK"},
        ],
    }
    response = await driver.call(
        "POST", f"{LEDGER}/transactions", "admin-se", json=body, idempotency=True, expect=409
    )
    problem = response.json()
    assert problem["type"].endswith("/owned-by-claim")
    assert problem["owner"] == f"claim:{claim['id']}"
    assert (await _balance(driver, code))["posted"] == "5000.00"


async def test_direct_sql_cannot_take_the_receivable_below_zero(
    driver: Driver, raw: asyncpg.Connection
) -> None:
    claim = await _overpaid_by_appeal(driver)
    code = f"SE/receivable/overpaid/{claim['id']}"
    ids = {
        c: await raw.fetchval("SELECT id FROM ledger_account WHERE code = $1", c)
        for c in (code, "SE/bank")
    }
    assert await raw.fetchval("SELECT owner FROM ledger_account WHERE code = $1", code) == (
        f"claim:{claim['id']}"
    )
    # `Dr bank  Cr receivable` one cent beyond what she owes.
    with pytest.raises(asyncpg.CheckViolationError, match="available_not_negative"):
        await _raw_payment(raw, ids["SE/bank"], ids[code], "5000.01")


async def _overpayment(
    driver: Driver, claim: dict[str, Any], decision_: str, user: str = "admin-se", **kw: Any
) -> dict[str, Any]:
    return await driver.step(
        claim,
        "overpayment",
        user,
        {"decision": decision_, "reason": "She cannot repay; hardship shown."},
        money=True,
        **kw,
    )


def _repayment(amount: str, reference: str = "BG 123-4567") -> dict[str, Any]:
    return {
        "amount": amount,
        "currency": "SEK",
        "repaid_on": NOW.date().isoformat(),
        "reference": reference,
    }


async def _kinds(driver: Driver, claim: dict[str, Any]) -> list[str]:
    """The kinds of the claim's ledger transactions, in order."""
    response = await driver.call(
        "GET", f"{LEDGER}/transactions", "admin-se", params={"reference": f"claim:{claim['id']}"}
    )
    return [t["kind"] for t in response.json()["items"]]


async def test_the_claim_shows_what_she_owes_back(driver: Driver) -> None:
    claim = await _overpaid_by_appeal(driver)
    seen = await driver.get(claim, "adviser-marta")
    assert seen["overpayment"] == {
        "owed": "5000.00",
        "repaid": "0.00",
        "waived": "0.00",
        "state": "owed",
        "decision": None,
        "reason": None,
        "decided_at": None,
        "decided_by": None,
        "confirmed_at": None,
        "confirmed_by": None,
        "waiving": None,
        "waiver_threshold": "100000.00",
    }
    assert seen["outstanding"] == "0.00"
    assert "close" not in (await driver.get(claim))["allowed_events"]


async def test_recovered_and_repaid_the_claim_closes(driver: Driver) -> None:
    bank_before = await _balance(driver, "SE/bank")
    claim = await _overpaid_by_appeal(driver)
    claim = await _overpayment(driver, claim, "recover")
    assert claim["overpayment"]["state"] == "recovering"
    claim = await driver.step(claim, "repayments", "admin-se", _repayment("2000"), money=True)
    assert claim["overpayment"]["owed"] == "3000.00"
    assert claim["overpayment"]["repaid"] == "2000.00"
    await driver.step(claim, "close", "admin-se", {}, expect=409)
    claim = await driver.step(claim, "repayments", "admin-se", _repayment("3000"), money=True)
    assert claim["overpayment"]["state"] == "settled"
    assert "close" in claim["allowed_events"]
    code = f"SE/receivable/overpaid/{claim['id']}"
    assert (await _balance(driver, code))["posted"] == "0.00"
    bank_after = await _balance(driver, "SE/bank")
    assert Decimal(bank_after["posted"]) - Decimal(bank_before["posted"]) == Decimal("-15000")
    listed = (
        await driver.call("GET", f"/api/v1/claims/{claim['id']}/repayments", "adviser-marta")
    ).json()
    assert [r["amount"] for r in listed["items"]] == ["2000.00", "3000.00"]
    assert (await _kinds(driver, claim)).count("overpayment_repayment") == 2
    closed = await driver.step(claim, "close", "admin-se", {})
    assert closed["status"] == "closed"


async def test_a_retried_repayment_moves_money_once(driver: Driver) -> None:
    claim = await _overpaid_by_appeal(driver)
    headers = {"Idempotency-Key": "repay-once", "If-Match": f'"{claim["version"]}"'}
    path = f"/api/v1/claims/{claim['id']}/repayments"
    first = await driver.call("POST", path, "admin-se", json=_repayment("1000"), headers=headers)
    again = await driver.call("POST", path, "admin-se", json=_repayment("1000"), headers=headers)
    assert again.json() == first.json()
    code = f"SE/receivable/overpaid/{claim['id']}"
    assert (await _balance(driver, code))["posted"] == "4000.00"
    assert (await driver.get(claim))["overpayment"]["repaid"] == "1000.00"


async def test_repaying_more_than_she_owes_is_refused(driver: Driver) -> None:
    claim = await _overpaid_by_appeal(driver)
    problem = await driver.step(
        claim, "repayments", "admin-se", _repayment("5000.01"), money=True, expect=409
    )
    assert problem["type"].endswith("/repayment-exceeds-owed")
    assert problem["owed"] == "5000.00"
    assert (await driver.get(claim))["version"] == claim["version"]
    code = f"SE/receivable/overpaid/{claim['id']}"
    assert (await _balance(driver, code))["posted"] == "5000.00"


async def test_a_repayment_dated_in_1900_or_the_future_is_refused(driver: Driver) -> None:
    claim = await _overpaid_by_appeal(driver)
    for day in ("1900-01-01", "2099-01-01"):
        body = {**_repayment("100"), "repaid_on": day}
        problem = await driver.step(claim, "repayments", "admin-se", body, money=True, expect=422)
        assert problem["status"] == 422
    assert (await driver.get(claim))["version"] == claim["version"]
    code = f"SE/receivable/overpaid/{claim['id']}"
    assert (await _balance(driver, code))["posted"] == "5000.00"


async def test_nothing_to_recover_without_an_overpayment(driver: Driver) -> None:
    claim = await _decided(driver, await driver.assessed(), "10000", "5000", "5000")
    problem = await _overpayment(driver, claim, "recover", expect=409)
    assert problem["type"].endswith("/nothing-overpaid")
    problem = await driver.step(
        claim, "repayments", "admin-se", _repayment("1"), money=True, expect=409
    )
    assert problem["type"].endswith("/nothing-overpaid")


async def test_a_small_waiver_is_written_off_at_once(driver: Driver) -> None:
    fund_before = await _balance(driver, "SE/fund/victims")
    claim = await _overpaid_by_appeal(driver)
    claim = await _overpayment(driver, claim, "waive")
    assert claim["overpayment"]["state"] == "settled"
    assert claim["overpayment"]["waived"] == "5000.00"
    code = f"SE/receivable/overpaid/{claim['id']}"
    assert (await _balance(driver, code))["posted"] == "0.00"
    fund_after = await _balance(driver, "SE/fund/victims")
    # Paid 20 000, of which 5 000 written off: the fund bears all 20 000.
    assert Decimal(fund_before["posted"]) - Decimal(fund_after["posted"]) == Decimal("20000")
    assert (await driver.step(claim, "close", "admin-se", {}))["status"] == "closed"


async def _overpaid_above_threshold(driver: Driver) -> dict[str, Any]:
    """Decide 200 000 (four eyes), letter, pay it, appeal, decide 90 000: 110 000 owed back,
    above Sweden's 100 000 threshold."""
    claim = await _decided(driver, await driver.assessed(), "150000", "20000", "30000")
    claim = await driver.issue_letter(claim)
    claim = await driver.step(
        claim,
        "payments",
        "admin-se",
        {"amount": "200000", "currency": "SEK", "paid_on": NOW.date().isoformat()},
        money=True,
    )
    claim = await driver.step(claim, "appeal", "adviser-marta", {"reason": "Reassess."})
    claim = await driver.step(claim, "review", "admin-se")
    claim = await driver.step(claim, "assessment", "admin-se", {})
    claim = await _decided(driver, claim, "40000", "20000", "30000")
    return await driver.issue_letter(claim)


async def test_a_waiver_above_the_threshold_needs_a_second_administrator(
    driver: Driver,
) -> None:
    claim = await _overpaid_above_threshold(driver)
    assert claim["overpayment"]["owed"] == "110000.00"
    code = f"SE/receivable/overpaid/{claim['id']}"
    claim = await _overpayment(driver, claim, "waive")
    assert claim["overpayment"]["state"] == "awaiting_second_approval"
    assert (await _balance(driver, code))["posted"] == "110000.00"

    problem = await driver.step(
        claim, "overpayment/approvals", "admin-se", {}, money=True, expect=403
    )
    assert problem["type"].endswith("/four-eyes")
    assert (await _balance(driver, code))["posted"] == "110000.00"

    claim = await driver.step(claim, "overpayment/approvals", "admin2-se", {}, money=True)
    assert claim["overpayment"]["state"] == "settled"
    assert claim["overpayment"]["waived"] == "110000.00"
    assert claim["overpayment"]["confirmed_by"] not in (None, claim["overpayment"]["decided_by"])
    assert (await _balance(driver, code))["posted"] == "0.00"
    assert (await _kinds(driver, claim)).count("overpayment_waiver") == 1


async def test_a_waiver_sent_back_leaves_it_owed(driver: Driver) -> None:
    claim = await _overpaid_above_threshold(driver)
    claim = await _overpayment(driver, claim, "waive")
    await driver.step(
        claim, "overpayment/approvals", "admin2-se", {"approve": False}, money=True, expect=422
    )
    claim = await driver.step(
        claim,
        "overpayment/approvals",
        "admin2-se",
        {"approve": False, "reason": "Ask her to repay in instalments."},
        money=True,
    )
    assert claim["overpayment"]["state"] == "owed"
    assert claim["overpayment"]["owed"] == "110000.00"


async def test_other_organisations_and_countries_reach_no_overpayment(
    driver: Driver, session: AsyncSession
) -> None:
    await create_user(
        session,
        username="adviser-other",
        password="x" * 16,
        grants=[Grant(Role.LEGAL_ADVISER, "SE")],
        organisation="Other Legal Aid",
    )
    await session.commit()
    claim = await _overpaid_by_appeal(driver)
    base = f"/api/v1/claims/{claim['id']}"
    await driver.call("GET", f"{base}/repayments", "adviser-other", expect=404)
    await driver.call("GET", f"{base}/repayments", "admin-lv", expect=404)
    for user, status in (("admin-lv", 404), ("adviser-marta", 403), ("ministry-se", 403)):
        await driver.step(claim, "repayments", user, _repayment("1"), money=True, expect=status)
        await _overpayment(driver, claim, "waive", user, expect=status)
    code = f"SE/receivable/overpaid/{claim['id']}"
    assert (await _balance(driver, code))["posted"] == "5000.00"


async def test_direct_sql_cannot_rewrite_a_repayment(
    driver: Driver, raw: asyncpg.Connection
) -> None:
    claim = await _overpaid_by_appeal(driver)
    await driver.step(claim, "repayments", "admin-se", _repayment("1000"), money=True)
    with pytest.raises(asyncpg.PostgresError, match=r"append-only|permission denied"):
        await raw.execute("UPDATE claim_repayment SET amount = 1 WHERE claim_id = $1", claim["id"])


def _waiver(amount: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"decision": "waive", "reason": "Hardship shown for part of it."}
    return body if amount is None else {**body, "amount": amount, **extra}


async def _history(driver: Driver, claim: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The claim's overpayment steps in its history: (event, amount)."""
    response = await driver.call(
        "GET", f"/api/v1/claims/{claim['id']}/history", "adviser-marta", params={"limit": 200}
    )
    return [
        (step["event"], step["amount"])
        for step in response.json()["items"]
        if step["event"].startswith("overpayment_")
    ]


class TestOverpaymentHistory:
    async def test_found_asked_back_and_repaid_are_steps_with_their_amounts(
        self, driver: Driver
    ) -> None:
        claim = await _overpaid_by_appeal(driver)
        claim = await _overpayment(driver, claim, "recover")
        claim = await driver.step(claim, "repayments", "admin-se", _repayment("2000"), money=True)
        claim = await driver.step(claim, "repayments", "admin-se", _repayment("3000"), money=True)
        assert await _history(driver, claim) == [
            ("overpayment_recorded", "5000.00"),
            ("overpayment_recover", "5000.00"),
            ("overpayment_repayment", "2000.00"),
            ("overpayment_repayment", "3000.00"),
        ]
        steps = (
            await driver.call("GET", f"/api/v1/claims/{claim['id']}/history", "admin-se")
        ).json()["items"]
        last = steps[-1]
        assert last["version"] == claim["version"]
        assert last["from_status"] == last["to_status"] == claim["status"]
        assert last["reason"] == "BG 123-4567"
        assert all(s["amount"] is None for s in steps if not s["event"].startswith("overpayment"))

    async def test_a_waiver_sent_back_and_one_confirmed_are_both_in_the_history(
        self, driver: Driver
    ) -> None:
        claim = await _overpaid_above_threshold(driver)
        claim = await _overpayment(driver, claim, "waive")
        claim = await driver.step(
            claim,
            "overpayment/approvals",
            "admin2-se",
            {"approve": False, "reason": "Ask her to repay in instalments."},
            money=True,
        )
        claim = await _overpayment(driver, claim, "waive")
        claim = await driver.step(claim, "overpayment/approvals", "admin2-se", {}, money=True)
        assert await _history(driver, claim) == [
            ("overpayment_recorded", "110000.00"),
            ("overpayment_waiver_proposed", "110000.00"),
            ("overpayment_waiver_send_back", "110000.00"),
            ("overpayment_waiver_proposed", "110000.00"),
            ("overpayment_waiver_confirm", "110000.00"),
        ]


class TestPartialWaiver:
    async def test_part_is_written_off_and_the_rest_is_asked_back(self, driver: Driver) -> None:
        fund_before = await _balance(driver, "SE/fund/victims")
        claim = await _overpaid_by_appeal(driver)
        claim = await driver.step(claim, "overpayment", "admin-se", _waiver("2000"), money=True)
        assert claim["overpayment"]["waived"] == "2000.00"
        assert claim["overpayment"]["owed"] == "3000.00"
        assert claim["overpayment"]["state"] == "recovering"
        code = f"SE/receivable/overpaid/{claim['id']}"
        assert (await _balance(driver, code))["posted"] == "3000.00"
        waivers = [
            t
            for t in (
                await driver.call(
                    "GET",
                    f"{LEDGER}/transactions",
                    "admin-se",
                    params={"reference": f"claim:{claim['id']}"},
                )
            ).json()["items"]
            if t["kind"] == "overpayment_waiver"
        ]
        assert [p["amount"] for p in waivers[0]["postings"]] == ["2000.00", "2000.00"]
        await driver.step(claim, "close", "admin-se", {}, expect=409)
        claim = await driver.step(claim, "repayments", "admin-se", _repayment("3000"), money=True)
        assert claim["overpayment"]["state"] == "settled"
        fund_after = await _balance(driver, "SE/fund/victims")
        # Paid 20 000, owed 15 000: the fund bears 15 000 and the 2 000 it forgave.
        assert Decimal(fund_before["posted"]) - Decimal(fund_after["posted"]) == Decimal("17000")
        assert await _history(driver, claim) == [
            ("overpayment_recorded", "5000.00"),
            ("overpayment_waive", "2000.00"),
            ("overpayment_repayment", "3000.00"),
        ]
        assert (await driver.step(claim, "close", "admin-se", {}))["status"] == "closed"

    async def test_a_part_above_the_threshold_waits_for_a_second_administrator(
        self, driver: Driver
    ) -> None:
        claim = await _overpaid_above_threshold(driver)
        code = f"SE/receivable/overpaid/{claim['id']}"
        claim = await driver.step(claim, "overpayment", "admin-se", _waiver("105000"), money=True)
        assert claim["overpayment"]["state"] == "awaiting_second_approval"
        assert claim["overpayment"]["waiving"] == "105000.00"
        assert (await _balance(driver, code))["posted"] == "110000.00"
        await driver.step(claim, "overpayment/approvals", "admin-se", {}, money=True, expect=403)
        claim = await driver.step(claim, "overpayment/approvals", "admin2-se", {}, money=True)
        assert claim["overpayment"]["waived"] == "105000.00"
        assert claim["overpayment"]["owed"] == "5000.00"
        assert claim["overpayment"]["state"] == "recovering"
        assert claim["overpayment"]["waiving"] is None
        assert (await _balance(driver, code))["posted"] == "5000.00"

    async def test_a_part_up_to_the_threshold_is_written_off_at_once(self, driver: Driver) -> None:
        claim = await _overpaid_above_threshold(driver)
        claim = await driver.step(claim, "overpayment", "admin-se", _waiver("100000"), money=True)
        assert claim["overpayment"]["waived"] == "100000.00"
        assert claim["overpayment"]["owed"] == "10000.00"
        assert claim["overpayment"]["state"] == "recovering"

    @pytest.mark.parametrize(
        "body",
        [
            _waiver("5000.01"),
            _waiver("0"),
            _waiver("-1"),
            _waiver("10.001"),
            _waiver("100", currency="EUR"),
            {"decision": "recover", "reason": "Ask it back.", "amount": "100"},
        ],
    )
    async def test_refused_amounts_move_nothing(self, driver: Driver, body: dict) -> None:
        claim = await _overpaid_by_appeal(driver)
        problem = await driver.step(claim, "overpayment", "admin-se", body, money=True, expect=422)
        assert problem["status"] == 422
        assert (await driver.get(claim))["version"] == claim["version"]
        code = f"SE/receivable/overpaid/{claim['id']}"
        assert (await _balance(driver, code))["posted"] == "5000.00"
