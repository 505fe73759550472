"""Issue 13: an appeal decision below what was already paid records the overpayment as a
receivable that belongs to the claim, instead of leaving the claim stuck."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL

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
    claim = await driver.step(claim, "letter", "admin-se", {}, money=True)
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
    return await driver.step(claim, "letter", "admin-se", {}, money=True)


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
