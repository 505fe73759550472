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

from fundadmin.reports import allocation
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


class TestReturnAssistanceInTheReport:
    async def test_a_paid_instalment_is_money_out_for_return_assistance(
        self, client: httpx.AsyncClient, auth: Auth, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        before = await _exact_out(sessions)
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
        # The fund gives what it reserved for the instalment (at the approval's rate); the
        # difference to the day's rate is the exchange accounts', not a purpose of the fund.
        assert after["return_assistance"] - before["return_assistance"] == Decimal(
            instalment["amount"]
        )
        assert after["award"] == before["award"]
        assert {k: v for k, v in after.items() if k != "return_assistance"} == {
            k: v for k, v in before.items() if k != "return_assistance"
        }

        # The ministry sees the purpose, withheld: one application stands behind it.
        assert _out((await _report(client, auth)).json())["return_assistance"] is None
        # The same in the CSV a ministry's spreadsheet reads.
        rows = list(
            csv.DictReader(io.StringIO((await _report(client, auth, Accept="text/csv")).text))
        )
        purposes = {r["item"] for r in rows if r["table"] == "money_out"}
        assert "return_assistance" in purposes
