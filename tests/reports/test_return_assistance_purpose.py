"""The allocation report counts return assistance as its own purpose: an instalment paid to a
receiving organisation shows as money out for `return_assistance`, never as an award."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import ledger
from fundadmin.reports import allocation
from ledger.chart import EXCHANGE_CURRENCIES
from tests.claims.conftest import Auth, Driver
from tests.claims.test_return_assistance import Returns, rate
from tests.clock import NOW, TODAY

YEAR = "country=SE&from=2026-01-01&to=2026-12-31"


async def _report(client: httpx.AsyncClient, auth: Auth, **headers: str) -> httpx.Response:
    response = await client.get(
        f"/api/v1/reports/allocation?{YEAR}", headers={**await auth("ministry-se"), **headers}
    )
    assert response.status_code == 200, response.text
    return response


def _out(body: dict[str, Any]) -> dict[str, Decimal | None]:
    """Money out by purpose as the ministry reads it (None: withheld, too few claims)."""
    return {
        purpose: None if amount is None else Decimal(amount)
        for purpose, amount in body["money_out"].items()
    }


async def _exact_out(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Decimal]:
    """The same figures before suppression, as the report computes them from the ledger."""
    async with sessions() as session:
        report = await allocation.country_report(
            session, "SE", date(2026, 1, 1), date(2026, 12, 31), made_at=NOW
        )
    return report.money_out


async def _exchange_positions(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Decimal]:
    """The posted balance of each of Sweden's exchange accounts."""
    async with sessions() as session:
        return {
            currency: (
                await ledger.account_balance(session, ledger.exchange_account("SE", currency))
            ).posted
            for currency in EXCHANGE_CURRENCIES
        }


class TestReturnAssistanceInTheReport:
    async def test_a_paid_instalment_is_money_out_for_return_assistance(
        self, client: httpx.AsyncClient, auth: Auth, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        before = await _exact_out(sessions)
        exchange_before = await _exchange_positions(sessions)
        returns = Returns(Driver(client, auth))
        application = await returns.step(
            await returns.prepared(),
            "approval",
            "admin-se",
            {"reason": "Prepared and voluntary.", "exchange_rate": rate("11.47")},
            money=True,
        )
        # Approval only reserves: nothing has left the fund yet.
        assert await _exact_out(sessions) == before

        instalment = application["instalments"][1]
        application = await returns.step(
            application,
            "instalments/2/payment",
            "admin-se",
            {
                "amount": instalment["payee_amount"],
                "currency": "EUR",
                "paid_on": TODAY.isoformat(),
                "exchange_rate": rate("11.50"),
            },
            money=True,
        )
        paid = Decimal(application["instalments"][1]["paid_fund_amount"])
        assert paid > 0

        after = await _exact_out(sessions)
        # The fund gives what it reserved for the instalment (at the approval's rate, 11.47)
        # as return assistance; the day's rate (11.50) cost more, and that difference is an
        # exchange loss of the victims' fund, a line of its own.
        reserved = Decimal(instalment["amount"])
        assert paid > reserved
        assert after["return_assistance"] - before["return_assistance"] == reserved
        assert after["exchange_difference"] - before["exchange_difference"] == paid - reserved
        assert after["award"] == before["award"]
        unchanged = ("return_assistance", "exchange_difference")
        assert {k: v for k, v in after.items() if k not in unchanged} == {
            k: v for k, v in before.items() if k not in unchanged
        }
        # The exchange accounts net to zero for the settled payment.
        assert await _exchange_positions(sessions) == exchange_before

        # The ministry sees the purpose, withheld: one application stands behind it.
        assert _out((await _report(client, auth)).json())["return_assistance"] is None
        # The same in the CSV a ministry's spreadsheet reads.
        rows = list(
            csv.DictReader(io.StringIO((await _report(client, auth, Accept="text/csv")).text))
        )
        purposes = {r["item"] for r in rows if r["table"] == "money_out"}
        assert {"return_assistance", "exchange_difference"} <= purposes
        # Withheld like return assistance itself: one application stands behind it.
        assert _out((await _report(client, auth)).json())["exchange_difference"] is None
