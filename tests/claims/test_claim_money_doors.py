"""Issue 12, critical: money that belongs to a claim moves only through the claim's own routes.

The attack: one administrator, alone, posts the pending reservation of an award that still waits
for its second approval and pays it through the generic ledger routes, then pays it again through
the claim once a colleague confirms. Each test performs it over HTTP as the demo users.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from tests.claims.conftest import Driver, decision
from tests.clock import NOW

LEDGER = "/api/v1/ledger"
AWARD = ("150000", "20000.50", "80000")
AWARD_TOTAL = Decimal("250000.50")


@pytest.fixture
async def raw(database_url: URL) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(
        database_url.set(drivername="postgresql").render_as_string(hide_password=False)
    )
    yield conn
    await conn.close()


async def _awaiting_second_approval(driver: Driver) -> dict[str, Any]:
    claim = await driver.assessed()
    claim = await driver.step(claim, "decision", "admin-se", decision(*AWARD), money=True)
    assert claim["status"] == "awaiting_second_approval"
    return claim


async def _reservation(driver: Driver, claim: dict[str, Any]) -> dict[str, Any]:
    found = (
        await driver.call(
            "GET",
            f"{LEDGER}/transactions",
            "admin-se",
            params={"reference": f"claim:{claim['id']}"},
        )
    ).json()
    [reservation] = [t for t in found["items"] if t["status"] == "pending"]
    return reservation


def _payment_body(claim: dict[str, Any], amount: str = "250000.50") -> dict[str, Any]:
    return {
        "country": "SE",
        "kind": "payment",
        "effective_date": NOW.date().isoformat(),
        "postings": [
            {
                "account": f"SE/payable/award/{claim['id']}",
                "side": "debit",
                "amount": amount,
                "currency": "SEK",
            },
            {"account": "SE/bank", "side": "credit", "amount": amount, "currency": "SEK"},
        ],
    }


def _assert_refused_naming_the_claim_route(response: Any, claim: dict[str, Any]) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/owned-by-claim")
    assert problem["owner"] == f"claim:{claim['id']}"
    assert f"/api/v1/claims/{claim['id']}/" in problem["use"]
    assert problem["use"] in problem["detail"]


async def _balances(session: AsyncSession, *codes: str) -> list[ledger.Balance]:
    session.expire_all()
    return [await ledger.account_balance(session, code) for code in codes]


class TestGenericLedgerRoutesRefuseClaimMoney:
    async def test_one_administrator_cannot_post_and_pay_an_award_around_four_eyes(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await _awaiting_second_approval(driver)
        payable = f"SE/payable/award/{claim['id']}"
        before = await _balances(session, "SE/bank", "SE/fund/victims", payable)
        reservation = await _reservation(driver, claim)
        tx = f"{LEDGER}/transactions/{reservation['id']}"

        for path, body in (
            (f"{tx}/post", None),
            (f"{tx}/void", None),
            (f"{tx}/reverse", {}),
            (f"{LEDGER}/transactions", _payment_body(claim)),
            (
                f"{LEDGER}/transactions/batch",
                {"transactions": [{**_payment_body(claim), "idempotency_key": "b1"}]},
            ),
        ):
            response = await driver.call(
                "POST", path, "admin-se", json=body, idempotency=True, expect=409
            )
            _assert_refused_naming_the_claim_route(response, claim)

        # Nothing moved: the reservation still waits, the bank and the payable are as they were.
        assert (await _reservation(driver, claim))["id"] == reservation["id"]
        assert await _balances(session, "SE/bank", "SE/fund/victims", payable) == before
        assert (await driver.get(claim))["status"] == "awaiting_second_approval"

        # The claim's own routes still pay exactly once, after the second approval.
        bank_before = before[0].posted
        claim = await driver.step(claim, "approvals", "admin2-se", {}, money=True)
        claim = await driver.issue_letter(claim)
        claim = await driver.step(
            claim,
            "payments",
            "admin-se",
            {"amount": "250000.50", "currency": "SEK", "paid_on": NOW.date().isoformat()},
            money=True,
        )
        assert claim["status"] == "paid"
        bank, _, owed = await _balances(session, "SE/bank", "SE/fund/victims", payable)
        assert bank_before - bank.posted == AWARD_TOTAL
        assert owed.posted == 0

        # And once paid, no generic write can take the payable below zero either.
        response = await driver.call(
            "POST",
            f"{LEDGER}/transactions",
            "admin-se",
            json=_payment_body(claim),
            idempotency=True,
            expect=409,
        )
        _assert_refused_naming_the_claim_route(response, claim)

    async def test_an_account_of_a_claim_cannot_be_opened_through_the_ledger(
        self, driver: Driver
    ) -> None:
        claim = await _awaiting_second_approval(driver)
        for code in (f"SE/payable/award/{uuid.uuid4()}", f"SE/payable/award/{claim['id']}"):
            response = await driver.call(
                "POST",
                f"{LEDGER}/accounts",
                "admin-se",
                json={
                    "code": code,
                    "name": "Look-alike payable",
                    "type": "liability",
                    "currency": "SEK",
                    "country": "SE",
                },
                expect=409,
            )
            assert response.json()["type"].endswith("/owned-by-claim")


async def _raw_payment(
    raw: asyncpg.Connection, payable: uuid.UUID, bank: uuid.UUID, amount: str
) -> None:
    """`Dr payable  Cr bank` written in SQL, past every check of the service."""
    tx = uuid.uuid4()
    async with raw.transaction():
        await raw.execute(
            "INSERT INTO ledger_transaction (id, country, kind, status, effective_date, "
            "idempotency_scope, idempotency_key, fingerprint, created_by) VALUES "
            "($1, 'SE', 'payment', 'posted', current_date, 'raw', $2, 'x', 'raw')",
            tx,
            str(tx),
        )
        for position, (account, signed) in enumerate(((payable, amount), (bank, f"-{amount}"))):
            await raw.execute(
                "INSERT INTO ledger_posting (id, transaction_id, position, account_id, "
                "currency, amount) VALUES ($1, $2, $3, $4, 'SEK', $5::numeric)",
                uuid.uuid4(),
                tx,
                position,
                account,
                signed,
            )


class TestPostgresGuardsAwardPayables:
    async def test_a_direct_sql_payment_beyond_the_award_is_refused(
        self, driver: Driver, raw: asyncpg.Connection
    ) -> None:
        claim = await _awaiting_second_approval(driver)
        claim = await driver.step(claim, "approvals", "admin2-se", {}, money=True)
        claim = await driver.issue_letter(claim)
        payable = f"SE/payable/award/{claim['id']}"
        ids = {
            code: await raw.fetchval("SELECT id FROM ledger_account WHERE code = $1", code)
            for code in (payable, "SE/bank")
        }
        with pytest.raises(asyncpg.CheckViolationError, match="available_not_negative"):
            await _raw_payment(raw, ids[payable], ids["SE/bank"], "250000.51")

    async def test_an_owned_payable_cannot_be_unguarded_or_created_unguarded(
        self, raw: asyncpg.Connection
    ) -> None:
        with pytest.raises(asyncpg.CheckViolationError, match="owned_guarded"):
            await raw.execute(
                "INSERT INTO ledger_account (id, code, name, type, currency, country, "
                "must_not_go_negative) VALUES ($1, $2, 'x', 'liability', 'SEK', 'SE', false)",
                uuid.uuid4(),
                f"SE/payable/award/{uuid.uuid4()}",
            )


class TestEachStepChecksTheLedger:
    async def test_a_lost_reservation_is_named_and_can_be_reserved_again(
        self, driver: Driver, raw: asyncpg.Connection, session: AsyncSession
    ) -> None:
        claim = await _awaiting_second_approval(driver)
        reservation = await _reservation(driver, claim)
        # As on main before this fix, when `/void` on the generic route still let it through.
        await raw.execute(
            "UPDATE ledger_transaction SET status = 'voided', status_changed_by = 'raw' "
            "WHERE id = $1",
            uuid.UUID(reservation["id"]),
        )

        refused = await driver.step(claim, "approvals", "admin2-se", {}, money=True, expect=409)
        assert refused["type"].endswith("/reservation-lost")
        assert refused["reserve_again"] == f"/api/v1/claims/{claim['id']}/reservation"
        assert (await driver.get(claim))["version"] == claim["version"]

        fund_before = (await _balances(session, "SE/fund/victims"))[0].available
        claim = await driver.step(claim, "reservation", "admin-se", {}, money=True)
        fund_after = (await _balances(session, "SE/fund/victims"))[0].available
        assert fund_before - fund_after == AWARD_TOTAL
        again = await driver.step(claim, "reservation", "admin-se", {}, money=True, expect=409)
        assert again["type"].endswith("/reservation-intact")

        claim = await driver.step(claim, "approvals", "admin2-se", {}, money=True)
        claim = await driver.issue_letter(claim)
        assert Decimal(claim["outstanding"]) == AWARD_TOTAL


class TestPaymentDates:
    async def test_a_payment_dated_1900_is_refused_and_nothing_is_paid(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await _awaiting_second_approval(driver)
        claim = await driver.step(claim, "approvals", "admin2-se", {}, money=True)
        claim = await driver.issue_letter(claim)
        before = await _balances(session, "SE/bank")
        refused = await driver.step(
            claim,
            "payments",
            "admin-se",
            {"amount": "100.00", "currency": "SEK", "paid_on": "1900-01-01"},
            money=True,
            expect=422,
        )
        assert refused["errors"][0]["field"] == "paid_on"
        assert await _balances(session, "SE/bank") == before
        assert Decimal((await driver.get(claim))["outstanding"]) == AWARD_TOTAL
