"""The allocation report counts return assistance as its own purpose: an instalment paid to a
receiving organisation shows as money out for `return_assistance`, never as an award."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import httpx

from tests.claims.conftest import Auth, Driver
from tests.claims.test_return_assistance import Returns, rate
from tests.clock import TODAY

YEAR = "country=SE&from=2026-01-01&to=2026-12-31"


async def _report(client: httpx.AsyncClient, auth: Auth, **headers: str) -> httpx.Response:
    response = await client.get(
        f"/api/v1/reports/allocation?{YEAR}", headers={**await auth("ministry-se"), **headers}
    )
    assert response.status_code == 200, response.text
    return response


def _out(body: dict[str, Any]) -> dict[str, Decimal]:
    return {purpose: Decimal(amount) for purpose, amount in body["money_out"].items()}


class TestReturnAssistanceInTheReport:
    async def test_a_paid_instalment_is_money_out_for_return_assistance(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        before = _out((await _report(client, auth)).json())
        returns = Returns(Driver(client, auth))
        application = await returns.step(
            await returns.prepared(),
            "approval",
            "admin-se",
            {"reason": "Prepared and voluntary.", "exchange_rate": rate("11.47")},
            money=True,
        )
        # Approval only reserves: nothing has left the fund yet.
        assert _out((await _report(client, auth)).json()) == before

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

        after = _out((await _report(client, auth)).json())
        # The fund gives what it reserved for the instalment (at the approval's rate); the
        # difference to the day's rate is the exchange accounts', not a purpose of the fund.
        assert after["return_assistance"] - before["return_assistance"] == Decimal(
            instalment["amount"]
        )
        assert after["award"] == before["award"]
        assert {k: v for k, v in after.items() if k != "return_assistance"} == {
            k: v for k, v in before.items() if k != "return_assistance"
        }

        # The same in the CSV a ministry's spreadsheet reads.
        rows = list(
            csv.DictReader(io.StringIO((await _report(client, auth, Accept="text/csv")).text))
        )
        purposes = {r["item"] for r in rows if r["table"] == "money_out"}
        assert "return_assistance" in purposes
