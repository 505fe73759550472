"""Issue 12, dates: an effective date in 1901 or in the future is refused, and a back-dated
transaction may not make a guarded account negative on any date from its effective date on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.clock import TODAY
from tests.ledger.conftest import NewFund, unique

BASE = "/api/v1/ledger"


def _transfer(source: str, target: str, amount: str, day: str) -> dict[str, Any]:
    return {
        "country": "SE",
        "kind": "adjustment",
        "effective_date": day,
        "postings": [
            {"account": source, "side": "debit", "amount": amount, "currency": "SEK"},
            {"account": target, "side": "credit", "amount": amount, "currency": "SEK"},
        ],
    }


def _keyed(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Idempotency-Key": unique("key")}


@pytest.mark.parametrize(
    "day", ["1901-01-01", (TODAY + timedelta(days=1)).isoformat()], ids=["1901", "tomorrow"]
)
async def test_a_date_before_the_books_or_after_today_is_refused(client, auth, day: str) -> None:
    admin = await auth("admin-se")
    before = await client.get(f"{BASE}/accounts/SE/bank/balance?as_of=1950-01-01", headers=admin)
    response = await client.post(
        f"{BASE}/transactions",
        json=_transfer("SE/income/recovery", "SE/bank", "100.00", day)
        | {
            "postings": [
                {"account": "SE/bank", "side": "credit", "amount": "100.00", "currency": "SEK"},
                {
                    "account": "SE/income/recovery",
                    "side": "debit",
                    "amount": "100.00",
                    "currency": "SEK",
                },
            ]
        },
        headers=_keyed(admin),
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith("/invalid-transaction")
    after = await client.get(f"{BASE}/accounts/SE/bank/balance?as_of=1950-01-01", headers=admin)
    assert after.json() == before.json()


async def test_a_back_dated_payment_cannot_overdraw_a_fund_as_of_its_date(
    client, auth, new_fund: NewFund
) -> None:
    admin = await auth("admin-se")
    fund, payable = await new_fund("1000")  # funded today
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    response = await client.post(
        f"{BASE}/transactions",
        json=_transfer(fund, payable, "100.00", yesterday),
        headers=_keyed(admin),
    )
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("/insufficient-funds")
    today = await client.post(
        f"{BASE}/transactions",
        json=_transfer(fund, payable, "100.00", TODAY.isoformat()),
        headers=_keyed(admin),
    )
    assert today.status_code == 201, today.text
