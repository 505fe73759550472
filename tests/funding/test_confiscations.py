"""Confiscations in: the split, its one ledger transaction, retries, scope, earmark draw and
release, as administrators use them over HTTP."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from fundadmin.clock import FixedClock
from tests.claims.conftest import Driver, decision
from tests.funding.conftest import CASE, Funding


async def _balance(session: AsyncSession, code: str) -> Decimal:
    return (await ledger.account_balance(session, code)).available


class TestRealisation:
    async def test_splits_exactly_into_three_funds_in_one_transaction(
        self, funding: Funding, session: AsyncSession
    ) -> None:
        order = await funding.order()
        before = {
            name: await _balance(session, f"SE/fund/{name}")
            for name in ("victims", "support-services")
        }
        realised = await funding.realise(order, "1000.01")
        assert (
            realised["case_victims"],
            realised["victims_fund"],
            realised["support_services"],
        ) == (
            "500.01",
            "300.00",
            "200.00",
        )
        assert realised["release_due_on"] == "2028-06-01"
        view = await ledger.get_transaction(session, uuid.UUID(realised["transaction_id"]))
        assert view.kind == "confiscation"
        assert {p.account_code: p.amount for p in view.postings} == {
            "SE/bank": Decimal("1000.01"),
            f"SE/earmarked/{CASE}": Decimal("-500.01"),
            "SE/fund/victims": Decimal("-300.00"),
            "SE/fund/support-services": Decimal("-200.00"),
        }
        assert await _balance(session, f"SE/earmarked/{CASE}") == Decimal("500.01")
        assert await _balance(session, "SE/fund/victims") == before["victims"] + Decimal("300.00")

    async def test_a_retry_moves_the_money_once(
        self, funding: Funding, session: AsyncSession
    ) -> None:
        order = await funding.order()
        key = {"Idempotency-Key": "realise-once", "If-Match": '"1"'}
        first = await funding.realise(order, "90.00", headers=key)
        again = await funding.realise(order, "90.00", headers=key)
        assert again == first
        assert await _balance(session, f"SE/earmarked/{CASE}") == Decimal("45.00")
        order_now = await funding.driver.call(
            "GET", f"/api/v1/confiscations/{order['id']}", "admin-se"
        )
        assert order_now.json()["realised"] == "90.00"
        assert order_now.headers["ETag"] == '"2"'

    async def test_another_countrys_order_is_not_found(self, funding: Funding) -> None:
        order = await funding.order()
        await funding.realise(order, "10.00", user="admin-lv", expect=404)
        await funding.driver.call(
            "GET", f"/api/v1/confiscations/{order['id']}", "admin-lv", expect=404
        )
        await funding.driver.call(
            "POST",
            "/api/v1/confiscations",
            "admin-lv",
            json={
                "country": "SE",
                "court": "x",
                "case_reference": "X-1",
                "ordered_on": "2026-01-01",
                "description": "y",
                "estimated_value": "1.00",
                "currency": "SEK",
            },
            idempotency=True,
            expect=403,
        )

    async def test_nonsense_is_refused_without_a_write(
        self, funding: Funding, session: AsyncSession
    ) -> None:
        order = await funding.order()
        for received_on, amount in (
            ("1900-01-01", "10.00"),
            ("2099-01-01", "10.00"),
            ("2026-06-01", "0"),
            ("2026-01-01", "10.00"),  # before the order
        ):
            problem = await funding.realise(order, amount, received_on=received_on, expect=422)
            assert problem["status"] == 422
        for amount in ("-1", "1e3", "10.001"):
            await funding.realise(order, amount, expect=422)
        count = await session.scalar(
            sa.text("SELECT count(*) FROM confiscation_realisation WHERE confiscation_id = :id"),
            {"id": order["id"]},
        )
        assert count == 0

    async def test_a_stale_if_match_is_refused(self, funding: Funding) -> None:
        order = await funding.order()
        await funding.realise(order, "10.00")
        await funding.realise(
            order, "10.00", headers={"Idempotency-Key": "k-stale", "If-Match": '"1"'}, expect=412
        )

    async def test_without_if_match_it_is_428_before_the_key_is_looked_at(
        self, funding: Funding, session: AsyncSession
    ) -> None:
        order = await funding.order()
        key = {"Idempotency-Key": "k-once", "If-Match": '"1"'}
        await funding.realise(order, "10.00", headers=key)
        for headers in ({"Idempotency-Key": "k-once"}, {"Idempotency-Key": "k-new"}):
            response = await funding.driver.client.post(
                f"/api/v1/confiscations/{order['id']}/realisations",
                json={"received_on": "2026-06-01", "amount": "10.00", "currency": "SEK"},
                headers={**await funding.driver.auth("admin-se"), **headers},
            )
            assert response.status_code == 428, response.text
            assert response.headers["Content-Type"] == "application/problem+json"
        count = await session.scalar(
            sa.text("SELECT count(*) FROM confiscation_realisation WHERE confiscation_id = :id"),
            {"id": order["id"]},
        )
        assert count == 1

    async def test_readers_see_it_and_ministries_do_not(self, funding: Funding) -> None:
        order = await funding.order()
        listed = await funding.driver.call("GET", "/api/v1/confiscations?country=SE", "auditor")
        assert order["id"] in [item["id"] for item in listed.json()["items"]]
        await funding.driver.call("GET", "/api/v1/confiscations", "ministry-se", expect=403)
        await funding.driver.call("GET", "/api/v1/confiscations", "adviser-marta", expect=403)


class TestEarmark:
    async def test_pays_a_claim_in_the_same_case_first(
        self, funding: Funding, driver: Driver, session: AsyncSession
    ) -> None:
        order = await funding.order()
        await funding.realise(order, "20000.00")  # 10 000 earmarked
        victims_before = await _balance(session, "SE/fund/victims")
        claimant = await driver.register()
        claim = await driver.file(claimant["id"], "SE", earmarked_case=CASE)
        claim = await driver.step(claim, "submit", "adviser-marta")
        claim = await driver.step(claim, "review", "admin-se")
        claim = await driver.step(claim, "assessment", "admin-se", {})
        claim = await driver.step(
            claim, "decision", "admin-se", decision("12000", "0", "0"), money=True
        )
        # 10 000 from the case's earmark, the other 2 000 from the victims' fund.
        assert await _balance(session, f"SE/earmarked/{CASE}") == Decimal(0)
        assert await _balance(session, "SE/fund/victims") == victims_before - Decimal(2000)

    async def test_unclaimed_is_released_after_the_policys_period(
        self, funding: Funding, clock: FixedClock, session: AsyncSession
    ) -> None:
        order = await funding.order()
        await funding.realise(order, "1000.00", received_on="2026-06-01")
        release = await funding.driver.call(
            "POST",
            "/api/v1/confiscations/earmarks/release",
            "admin-se",
            json={"country": "SE"},
            idempotency=True,
            expect=201,
        )
        assert release.json()["items"] == []  # the period has not run out
        clock.advance(timedelta(days=2 * 366))
        victims_before = await _balance(session, "SE/fund/victims")
        release = await funding.driver.call(
            "POST",
            "/api/v1/confiscations/earmarks/release",
            "admin-se",
            json={"country": "SE"},
            idempotency=True,
            expect=201,
        )
        (released,) = [r for r in release.json()["items"] if r["case_reference"] == CASE]
        assert released["amount"] == "500.00"
        assert "earmark_period_months" in released["reason"]
        assert await _balance(session, f"SE/earmarked/{CASE}") == Decimal(0)
        released_in_se = sum(Decimal(r["amount"]) for r in release.json()["items"])
        assert await _balance(session, "SE/fund/victims") == victims_before + released_in_se
        view = await ledger.get_transaction(session, uuid.UUID(released["transaction_id"]))
        assert view.kind == "earmark_release"
        again = await funding.driver.call(
            "POST",
            "/api/v1/confiscations/earmarks/release",
            "admin-se",
            json={"country": "SE"},
            idempotency=True,
            expect=201,
        )
        assert [r for r in again.json()["items"] if r["case_reference"] == CASE] == []


class TestEarmarkDoors:
    async def test_the_generic_ledger_routes_cannot_move_a_cases_money(
        self, funding: Funding, driver: Driver, session: AsyncSession
    ) -> None:
        order = await funding.order()
        await funding.realise(order, "1000.00")
        response = await driver.call(
            "POST",
            "/api/v1/ledger/transactions",
            "admin-se",
            json={
                "country": "SE",
                "kind": "adjustment",
                "effective_date": "2026-11-01",
                "postings": [
                    {
                        "account": f"SE/earmarked/{CASE}",
                        "side": "debit",
                        "amount": "100.00",
                        "currency": "SEK",
                    },
                    {"account": "SE/bank", "side": "credit", "amount": "100.00", "currency": "SEK"},
                ],
            },
            idempotency=True,
            expect=409,
        )
        assert response.json()["owner"] == f"case:{CASE}"
        assert await _balance(session, f"SE/earmarked/{CASE}") == Decimal("500.00")

    async def test_the_database_refuses_an_overdrawn_earmark(
        self, funding: Funding, session: AsyncSession
    ) -> None:
        order = await funding.order()
        await funding.realise(order, "1000.00")
        account = await ledger.get_account(session, f"SE/earmarked/{CASE}")
        assert account.must_not_go_negative
        with pytest.raises(sa.exc.DBAPIError):
            await session.execute(
                sa.text(
                    "UPDATE ledger_account SET posted_debits = posted_debits + 10000 "
                    "WHERE code = :code"
                ),
                {"code": f"SE/earmarked/{CASE}"},
            )
        await session.rollback()
