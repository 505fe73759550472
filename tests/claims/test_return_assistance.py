"""Return assistance over HTTP, as her adviser, two Swedish administrators and an attacker."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from sqlalchemy import URL
from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from ledger import EntryKind, TransactionStatus
from tests.claims.conftest import Driver
from tests.clock import TODAY

BASE = "/api/v1/return-assistance"
PDF = b"%PDF-1.4\n% signed consent\n"


def application_body(claimant_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "claimant_id": claimant_id,
        "country": "SE",
        "return_country": "LV",
        "return_town": "Daugavpils",
        "receiving_organisation": {
            "name": "Receiving shelter Daugavpils",
            "country": "LV",
            "currency": "EUR",
            "bank_account": "LV80 BANK 0000 4351 9500 1",
        },
        "items": [
            {"item": "travel", "amount": "3000", "currency": "SEK"},
            {"item": "documents", "amount": "1200", "currency": "SEK"},
            {"item": "subsistence", "amount": "18000", "currency": "SEK"},
            {"item": "housing", "amount": "15000", "currency": "SEK"},
        ],
        "planned_on": (TODAY + timedelta(days=14)).isoformat(),
    }
    body.update(overrides)
    return body


def rate(value: str) -> dict[str, str]:
    return {"rate": value, "source": "Sveriges Riksbank daily rate", "date": TODAY.isoformat()}


class Returns:
    def __init__(self, driver: Driver) -> None:
        self.driver = driver

    async def apply(self, **overrides: Any) -> dict[str, Any]:
        claimant = await self.driver.register(
            mandate={"signed_on": "2026-10-01", "scope": ["compensation", "return_assistance"]}
        )
        response = await self.driver.call(
            "POST",
            BASE,
            "adviser-marta",
            json=application_body(claimant["id"], **overrides),
            expect=201,
        )
        return response.json()

    async def step(
        self,
        application: dict[str, Any],
        action: str,
        user: str,
        body: Any = None,
        *,
        expect: int = 200,
        money: bool = False,
        key: str | None = None,
    ) -> dict[str, Any]:
        headers = {"Idempotency-Key": key} if key else None
        response = await self.driver.call(
            "POST",
            f"{BASE}/{application['id']}/{action}",
            user,
            json={} if body is None else body,
            version=application["version"],
            idempotency=money and key is None,
            headers=headers,
            expect=expect,
        )
        return response.json()

    async def consent(self, application: dict[str, Any]) -> dict[str, Any]:
        response = await self.driver.call(
            "POST",
            f"{BASE}/{application['id']}/consent",
            "adviser-marta",
            version=application["version"],
            files={"file": ("consent.pdf", PDF, "application/pdf")},
        )
        return response.json()

    async def get(self, application: dict[str, Any], user: str = "admin-se") -> dict[str, Any]:
        return (await self.driver.call("GET", f"{BASE}/{application['id']}", user)).json()

    async def prepared(self, level: str = "medium") -> dict[str, Any]:
        application = await self.consent(await self.apply())
        risk: dict[str, Any] = {
            "level": level,
            "safety_plan_in_place": True,
            "receiving_capacity": "adequate",
        }
        if level == "high":
            risk["justification"] = "Her trafficker is in custody; the shelter is guarded."
        application = await self.step(application, "risk-assessment", "adviser-marta", risk)
        return await self.step(
            application,
            "needs-assessment",
            "adviser-marta",
            {
                "housing": True,
                "health_care": True,
                "counselling": True,
                "financial_assistance": True,
                "job_training": False,
            },
        )


async def _available(session: AsyncSession, code: str = "SE/fund/victims") -> Decimal:
    return (await ledger.account_balance(session, code)).available


async def _books_balance(session: AsyncSession) -> None:
    trial = await ledger.trial_balance(session, "SE")
    assert all(t.debits == t.credits for t in trial.totals)


class TestReturnFromSwedenToLatvia:
    async def test_the_whole_story(self, driver: Driver, session: AsyncSession) -> None:
        returns = Returns(driver)
        fund_before = await _available(session)
        exchange_before = {
            currency: (await ledger.account_balance(session, f"SE/exchange/{currency}")).posted
            for currency in ("SEK", "EUR")
        }

        # Her adviser applies; the Swedish policy sets what the fund would pay.
        application = await returns.apply()
        assert application["status"] == "applied"
        assert application["reference"].startswith("RA-")
        granted = {g["item"]: g for g in application["granted"]}
        assert Decimal(granted["travel"]["granted"]) == Decimal(3000)
        assert Decimal(granted["documents"]["granted"]) == Decimal(1200)
        assert Decimal(granted["subsistence"]["granted"]) == Decimal(18000)
        assert Decimal(granted["housing"]["granted"]) == Decimal(12000)  # 3 months x 4000
        assert granted["housing"]["note"] == "limited to the policy's cap"
        assert application["missing_records"] == ["consent", "risk_assessment", "needs_assessment"]
        read = await returns.get(application, "adviser-marta")
        assert read["receiving_organisation"]["bank_account"] == "LV80 BANK 0000 4351 9500 1"

        # Approval is refused until consent, risk and needs assessments exist.
        refused = await returns.step(
            application,
            "approval",
            "admin-se",
            {"exchange_rate": rate("11.47")},
            money=True,
            expect=409,
        )
        assert refused["type"].endswith("/return-records-missing")
        assert refused["missing"] == ["consent", "risk_assessment", "needs_assessment"]
        application = await returns.prepared("high")
        refused = await returns.step(
            application,
            "approval",
            "admin-se",
            {"exchange_rate": rate("11.47")},
            money=True,
            expect=409,
        )
        assert refused["missing"] == ["risk_justification_confirmation"]
        assert await _available(session) == fund_before

        # A second administrator confirms the high risk's justification; the first approves.
        application = await returns.step(
            application, "risk-assessment/confirmation", "admin2-se", {"reason": "Plan checked."}
        )
        assert application["missing_records"] == []
        application = await returns.step(
            application,
            "approval",
            "admin-se",
            {"reason": "Prepared and voluntary.", "exchange_rate": rate("11.47")},
            money=True,
        )
        assert application["status"] == "approved"
        instalments = application["instalments"]
        assert [i["items"] for i in instalments] == [
            ["travel", "documents"],
            *[["subsistence", "housing"]] * 3,
            *[["subsistence"]] * 3,
        ]
        assert all(i["status"] == "reserved" and i["payee_currency"] == "EUR" for i in instalments)
        reserved = sum(Decimal(i["amount"]) for i in instalments)
        assert reserved <= Decimal(34200)
        assert fund_before - await _available(session) == reserved
        await _books_balance(session)

        # Three monthly instalments are paid in EUR, each at the rate recorded that day.
        for position, value in ((2, "11.50"), (3, "11.45"), (4, "11.40")):
            instalment = instalments[position - 1]
            application = await returns.step(
                application,
                f"instalments/{position}/payment",
                "admin-se",
                {
                    "amount": instalment["payee_amount"],
                    "currency": "EUR",
                    "paid_on": TODAY.isoformat(),
                    "exchange_rate": rate(value),
                },
                money=True,
            )
            paid = application["instalments"][position - 1]
            assert paid["status"] == "paid"
            assert Decimal(paid["rate"]) == Decimal(value)
            await _books_balance(session)
        assert Decimal(application["instalments"][1]["paid_fund_amount"]) == (
            Decimal(instalments[1]["payee_amount"]) * Decimal("11.50")
        ).quantize(Decimal("0.01"))

        # She withdraws her consent: the schedule stops, the remaining reservations are voided.
        application = await returns.step(application, "consent/withdrawal", "adviser-marta", {})
        assert application["status"] == "stopped"
        statuses = [i["status"] for i in application["instalments"]]
        assert statuses == ["voided", "paid", "paid", "paid", "voided", "voided", "voided"]
        spent = sum(
            Decimal(i["amount"]) for i in application["instalments"] if i["status"] == "paid"
        )
        # The fund bears what each payment cost at the day's rate: what was reserved at the
        # approval's, plus the exchange differences (a loss at 11.50, gains at 11.45, 11.40).
        expected = sum(
            Decimal(i["paid_fund_amount"]) - Decimal(i["amount"])
            for i in application["instalments"]
            if i["status"] == "paid"
        )
        assert expected != 0
        assert fund_before - await _available(session) == spent + expected
        await _books_balance(session)

        # The ledger: every movement is return assistance, with the rates used on record, and
        # each payment's difference to the approval's rate (11.47) is an exchange difference
        # of the victims' fund: a loss at 11.50, gains at 11.45 and 11.40.
        moves = await ledger.transactions_by_reference(session, "application", application["id"])
        assert {m.kind for m in moves} == {
            EntryKind.RETURN_ASSISTANCE,
            EntryKind.EXCHANGE_DIFFERENCE,
        }
        assistance = [m for m in moves if m.kind is EntryKind.RETURN_ASSISTANCE]
        assert sorted(m.status for m in assistance).count(TransactionStatus.VOIDED) == 4
        differences = [m for m in moves if m.kind is EntryKind.EXCHANGE_DIFFERENCE]
        assert len(differences) == 3
        # The exchange accounts hold nothing of the settled payments.
        for currency in ("SEK", "EUR"):
            position = await ledger.account_balance(session, f"SE/exchange/{currency}")
            assert position.posted == exchange_before[currency], currency
        rates = sorted(
            m.exchange_rates["EUR"]
            for m in assistance
            if m.status is TransactionStatus.POSTED and m.effective_date == TODAY
        )
        assert Decimal("11.50") in rates
        assert Decimal("11.40") in rates
        payable = f"SE/payable/return/{application['id']}"
        assert (await ledger.account_balance(session, payable)).posted == 0


class TestRefusalsLeaveNothingChanged:
    async def _approved(self, returns: Returns) -> dict[str, Any]:
        application = await returns.prepared()
        return await returns.step(
            application, "approval", "admin-se", {"exchange_rate": rate("11.47")}, money=True
        )

    async def test_another_organisation_and_another_country_find_nothing(
        self, driver: Driver
    ) -> None:
        returns = Returns(driver)
        application = await returns.prepared()
        await driver.call("GET", f"{BASE}/{application['id']}", "adviser-pro", expect=404)
        refused = await returns.step(
            application,
            "approval",
            "admin-lv",
            {"exchange_rate": rate("11.47")},
            money=True,
            expect=404,
        )
        assert "Daugavpils" not in str(refused)
        await returns.step(application, "consent/withdrawal", "adviser-pro", {}, expect=404)
        listing = (await driver.call("GET", BASE, "adviser-pro")).json()
        assert listing == {"items": [], "next": None}
        assert (await returns.get(application))["version"] == application["version"]

    async def test_wrong_currency_and_beyond_the_schedule(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        returns = Returns(driver)
        application = await self._approved(returns)
        bank = await _available(session, "SE/bank")
        first = application["instalments"][0]
        wrong = await returns.step(
            application,
            "instalments/1/payment",
            "admin-se",
            {"amount": first["amount"], "currency": "SEK", "paid_on": TODAY.isoformat()},
            money=True,
            expect=422,
        )
        assert wrong["errors"][0]["field"] == "currency"
        beyond = await returns.step(
            application,
            "instalments/99/payment",
            "admin-se",
            {
                "amount": "1.00",
                "currency": "EUR",
                "paid_on": TODAY.isoformat(),
                "exchange_rate": rate("11.47"),
            },
            money=True,
            expect=409,
        )
        assert beyond["type"].endswith("/instalment-not-payable")
        assert await _available(session, "SE/bank") == bank
        assert (await returns.get(application))["version"] == application["version"]

    async def test_a_retry_pays_once_and_the_same_instalment_is_not_paid_twice(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        returns = Returns(driver)
        application = await self._approved(returns)
        first = application["instalments"][0]
        body = {
            "amount": first["payee_amount"],
            "currency": "EUR",
            "paid_on": TODAY.isoformat(),
            "exchange_rate": rate("11.47"),
        }
        key = uuid.uuid4().hex
        bank = await _available(session, "SE/bank")
        paid = await returns.step(application, "instalments/1/payment", "admin-se", body, key=key)
        replay = await returns.step(application, "instalments/1/payment", "admin-se", body, key=key)
        assert replay == paid
        assert bank - await _available(session, "SE/bank") == Decimal(
            paid["instalments"][0]["paid_fund_amount"]
        )
        again = await returns.step(
            paid, "instalments/1/payment", "admin-se", body, money=True, expect=409
        )
        assert again["type"].endswith("/instalment-not-payable")

    async def test_the_same_application_is_approved_once(self, driver: Driver) -> None:
        returns = Returns(driver)
        application = await self._approved(returns)
        again = await returns.step(
            application,
            "approval",
            "admin-se",
            {"exchange_rate": rate("11.47")},
            money=True,
            expect=409,
        )
        assert again["type"].endswith("/invalid-transition")

    async def test_the_confirming_administrator_cannot_also_approve(self, driver: Driver) -> None:
        returns = Returns(driver)
        application = await returns.prepared("high")
        application = await returns.step(
            application, "risk-assessment/confirmation", "admin-se", {}
        )
        refused = await returns.step(
            application,
            "approval",
            "admin-se",
            {"exchange_rate": rate("11.47")},
            money=True,
            expect=403,
        )
        assert refused["type"].endswith("/four-eyes")

    async def test_a_new_risk_assessment_needs_its_own_confirmation(self, driver: Driver) -> None:
        returns = Returns(driver)
        application = await returns.prepared("high")
        application = await returns.step(
            application, "risk-assessment/confirmation", "admin2-se", {}
        )
        application = await returns.step(
            application,
            "risk-assessment",
            "adviser-marta",
            {
                "level": "high",
                "safety_plan_in_place": False,
                "receiving_capacity": "limited",
                "justification": "Revised after the shelter moved.",
            },
        )
        assert application["missing_records"] == ["risk_justification_confirmation"]

    async def test_a_high_risk_needs_a_written_justification(self, driver: Driver) -> None:
        returns = Returns(driver)
        application = await returns.consent(await returns.apply())
        refused = await returns.step(
            application,
            "risk-assessment",
            "admin-se",
            {"level": "high", "safety_plan_in_place": False, "receiving_capacity": "limited"},
            expect=422,
        )
        assert refused["errors"][0]["field"] == "justification"


class TestScheduleControl:
    async def test_paused_schedules_pay_nothing_and_stop_voids(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        returns = Returns(driver)
        fund = await _available(session)
        application = await returns.step(
            await returns.prepared(),
            "approval",
            "admin-se",
            {"exchange_rate": rate("11.47")},
            money=True,
        )
        application = await returns.step(
            application, "pause", "admin-se", {"reason": "Receiving shelter closed for a week."}
        )
        first = application["instalments"][0]
        await returns.step(
            application,
            "instalments/1/payment",
            "admin-se",
            {
                "amount": first["payee_amount"],
                "currency": "EUR",
                "paid_on": TODAY.isoformat(),
                "exchange_rate": rate("11.47"),
            },
            money=True,
            expect=409,
        )
        application = await returns.step(
            application, "stop", "admin-se", {"reason": "The shelter cannot reopen."}
        )
        assert {i["status"] for i in application["instalments"]} == {"voided"}
        assert await _available(session) == fund

    async def test_a_missed_follow_up_shows_in_the_queue(self, driver: Driver, clock: Any) -> None:
        returns = Returns(driver)
        application = await returns.step(
            await returns.prepared(),
            "approval",
            "admin-se",
            {"exchange_rate": rate("11.47")},
            money=True,
        )
        assert application["next_follow_up_due"] == (TODAY + timedelta(days=44)).isoformat()
        assert not application["follow_up_overdue"]
        clock.advance(timedelta(days=50))
        queue = (await driver.call("GET", f"{BASE}?follow_up_overdue=true", "admin-se")).json()
        assert application["id"] in [a["id"] for a in queue["items"]]
        application = await returns.get(application)
        application = await returns.step(
            application,
            "follow-ups",
            "adviser-marta",
            {
                "contact_on": (TODAY + timedelta(days=49)).isoformat(),
                "contact_made": True,
                "safe": True,
                "situation": "Settled, attending a course.",
            },
        )
        assert not application["follow_up_overdue"]
        queue = (await driver.call("GET", f"{BASE}?follow_up_overdue=true", "admin-se")).json()
        assert application["id"] not in [a["id"] for a in queue["items"]]


class TestApplicationMoneyMovesOnlyThroughItsRoutes:
    async def test_generic_ledger_routes_and_direct_sql_are_refused(
        self, driver: Driver, session: AsyncSession, database_url: URL
    ) -> None:
        returns = Returns(driver)
        application = await returns.step(
            await returns.prepared(),
            "approval",
            "admin-se",
            {"exchange_rate": rate("11.47")},
            money=True,
        )
        payable = f"SE/payable/return/{application['id']}"
        reservation = application["instalments"][0]["reservation_transaction_id"]
        tx = f"/api/v1/ledger/transactions/{reservation}"
        bank = await _available(session, "SE/bank")
        for path, body in (
            (f"{tx}/post", None),
            (f"{tx}/void", None),
            (
                "/api/v1/ledger/transactions",
                {
                    "country": "SE",
                    "kind": "payment",
                    "effective_date": TODAY.isoformat(),
                    "postings": [
                        {"account": payable, "side": "debit", "amount": "1", "currency": "EUR"},
                        {
                            "account": "SE/exchange/EUR",
                            "side": "credit",
                            "amount": "1",
                            "currency": "EUR",
                        },
                    ],
                },
            ),
        ):
            response = await driver.call(
                "POST", path, "admin-se", json=body, idempotency=True, expect=409
            )
            problem = response.json()
            assert problem["owner"] == f"application:{application['id']}"
            assert "/api/v1/return-assistance/" in problem["use"]
        assert await _available(session, "SE/bank") == bank
        assert {i["status"] for i in (await returns.get(application))["instalments"]} == {
            "reserved"
        }

        # PostgreSQL itself keeps the owned payable guarded, whoever writes to it.
        conn = await asyncpg.connect(
            database_url.set(drivername="postgresql").render_as_string(hide_password=False)
        )
        try:
            with pytest.raises(asyncpg.PostgresError):
                await conn.execute(
                    "UPDATE ledger_account SET must_not_go_negative = false WHERE code = $1",
                    payable,
                )
        finally:
            await conn.close()


class TestDemo:
    async def test_a_return_from_sweden_to_latvia_is_in_progress(self, driver: Driver) -> None:
        listing = (await driver.call("GET", BASE, "admin-se")).json()
        [demo] = listing["items"]
        assert (demo["country"], demo["return_country"], demo["status"]) == ("SE", "LV", "approved")
        application = await Returns(driver).get(demo)
        assert [i["status"] for i in application["instalments"]][:2] == ["paid", "reserved"]
        assert application["instalments"][0]["payee_currency"] == "EUR"
        assert listing["next"] is None
        assert "Returning claimant" not in str(listing)
