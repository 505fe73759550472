"""Appropriations, recoveries and grants over HTTP: each its own ledger kind, retried once, in
the caller's country only, and a recovery's offender never readable."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from tests.claims.conftest import Driver

OFFENDER = "Zbigniew Offendersson-Q"


def _body(kind: str, country: str = "SE", **overrides: Any) -> dict[str, Any]:
    currency = ledger.COUNTRY_CURRENCY[country]
    bodies: dict[str, dict[str, Any]] = {
        "appropriations": {
            "country": country,
            "received_on": "2026-01-15",
            "amount": "5000000.00",
            "currency": currency,
            "reference": "Budget 2026, item 4:1",
        },
        "recoveries": {
            "country": country,
            "received_on": "2026-05-04",
            "amount": "12000.00",
            "currency": currency,
            "court_reference": "Svea hovrätt B 1234-25",
            "offender_name": OFFENDER,
            "reference": "KFM 2026-551",
            "case_reference": "B-1234-25",
        },
        "grants": {
            "country": country,
            "paid_on": "2026-04-01",
            "amount": "1.00",
            "currency": currency,
            "organisation": "Skyddsvärnet",
            "reference": "Grant decision 2026/7",
            "purpose": "Shelter places",
        },
    }
    return {**bodies[kind], **overrides}


async def _post(driver: Driver, kind: str, body: dict[str, Any], **kwargs: Any) -> Any:
    kwargs.setdefault("expect", 201)
    if "headers" not in kwargs:
        kwargs["idempotency"] = True
    response = await driver.call("POST", f"/api/v1/{kind}", "admin-se", json=body, **kwargs)
    if response.status_code == 201:
        assert response.headers["Location"] == f"/api/v1/{kind}/{response.json()['id']}"
    return response.json()


class TestEachKind:
    async def test_each_is_one_ledger_transaction_of_its_kind(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        expected = {
            "appropriations": (
                "appropriation",
                {"SE/bank": "5000000.00", "SE/fund/victims": "-5000000.00"},
            ),
            "recoveries": ("recovery", {"SE/bank": "12000.00", "SE/fund/victims": "-12000.00"}),
            "grants": ("grant", {"SE/fund/support-services": "1.00", "SE/bank": "-1.00"}),
        }
        for route, (kind, postings) in expected.items():
            row = await _post(driver, route, _body(route))
            assert row["kind"] == kind
            view = await ledger.get_transaction(session, uuid.UUID(row["transaction_id"]))
            assert view.kind == kind
            assert {p.account_code: p.amount for p in view.postings} == {
                code: Decimal(amount) for code, amount in postings.items()
            }
            listed = await driver.call("GET", f"/api/v1/{route}?country=SE", "auditor")
            assert row in listed.json()["items"]

    async def test_a_retry_moves_money_once(self, driver: Driver, session: AsyncSession) -> None:
        before = (await ledger.account_balance(session, "SE/fund/victims")).posted
        key = {"Idempotency-Key": "appropriation-2026"}
        first = await _post(driver, "appropriations", _body("appropriations"), headers=key)
        again = await _post(driver, "appropriations", _body("appropriations"), headers=key)
        assert again == first
        after = (await ledger.account_balance(session, "SE/fund/victims")).posted
        assert after - before == Decimal("5000000.00")
        await _post(
            driver,
            "appropriations",
            _body("appropriations", amount="1.00"),
            headers=key,
            expect=409,
        )

    async def test_other_countries_and_other_roles_are_refused(self, driver: Driver) -> None:
        for route in ("appropriations", "recoveries", "grants"):
            await driver.call(
                "POST",
                f"/api/v1/{route}",
                "admin-lv",
                json=_body(route),
                idempotency=True,
                expect=403,
            )
            await driver.call(
                "POST",
                f"/api/v1/{route}",
                "ministry-se",
                json=_body(route),
                idempotency=True,
                expect=403,
            )
        row = await _post(driver, "grants", _body("grants"))
        await driver.call("GET", f"/api/v1/grants/{row['id']}", "admin-lv", expect=404)
        await driver.call("GET", f"/api/v1/recoveries/{row['id']}", "admin-se", expect=404)


class TestRecovery:
    async def test_the_offenders_name_is_stored_encrypted_and_never_shown(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        row = await _post(driver, "recoveries", _body("recoveries"))
        assert OFFENDER not in str(row)
        read = await driver.call("GET", f"/api/v1/recoveries/{row['id']}", "admin-se")
        assert OFFENDER not in read.text
        stored = await session.scalar(
            sa.text("SELECT offender_name FROM fund_movement WHERE id = :id"), {"id": row["id"]}
        )
        assert stored is not None
        assert OFFENDER.encode() not in stored
        dump = await session.scalar(
            sa.text("SELECT string_agg(t::text, '') FROM ledger_transaction t")
        )
        assert OFFENDER not in dump

    async def test_a_recovery_names_a_claim_or_a_case(self, driver: Driver) -> None:
        body = _body("recoveries")
        del body["case_reference"]
        await _post(driver, "recoveries", body, expect=422)
        await _post(driver, "recoveries", {**body, "claim_id": str(uuid.uuid4())}, expect=422)


class TestGrant:
    async def test_more_than_the_support_fund_holds_is_refused_without_a_write(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        held = (await ledger.account_balance(session, "SE/fund/support-services")).available
        grants = sa.text("SELECT count(*) FROM fund_movement WHERE kind = 'grant'")
        before = await session.scalar(grants)
        problem = await _post(driver, "grants", _body("grants", amount=str(held + 1)), expect=409)
        assert problem["status"] == 409
        assert await session.scalar(grants) == before
