"""A money movement whose database connection is lost midway (a failover, an operator ending
sessions) is answered 503 with Retry-After, has written nothing, and its retry with the same
Idempotency-Key moves the money once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
import httpx
from sqlalchemy.engine import URL

from tests.ledger.conftest import NewFund
from tests.ledger.test_api import BASE, balance, body, keyed
from tests.postgres import dsn


async def test_a_request_whose_connection_is_lost_midway_is_a_503_and_its_retry_moves_money_once(
    client: httpx.AsyncClient,
    auth: Callable[[str], Awaitable[dict[str, str]]],
    database_url: URL,
    new_fund: NewFund,
) -> None:
    admin = await auth("admin-se")
    fund, payable = await new_fund("1000")
    headers = keyed(admin)
    # Hold the fund's row so the request waits inside its database transaction, then end that
    # session the way a failover or an operator would.
    blocker = await asyncpg.connect(dsn(database_url))
    observer = await asyncpg.connect(dsn(database_url))
    try:
        async with blocker.transaction():
            await blocker.execute("SELECT 1 FROM ledger_account WHERE code = $1 FOR UPDATE", fund)
            request = asyncio.create_task(
                client.post(f"{BASE}/transactions", json=body(fund, payable), headers=headers)
            )
            await _terminate_when_waiting(observer)
            response = await request
    finally:
        await blocker.close()
        await observer.close()

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"]
    assert "same Idempotency-Key" in response.json()["detail"]
    assert (await balance(client, admin, fund))["posted"] == "1000.00"

    retried = await client.post(f"{BASE}/transactions", json=body(fund, payable), headers=headers)
    again = await client.post(f"{BASE}/transactions", json=body(fund, payable), headers=headers)

    assert (retried.status_code, again.status_code) == (201, 201)
    assert retried.json()["id"] == again.json()["id"]
    assert (await balance(client, admin, fund))["posted"] == "900.00"


async def _terminate_when_waiting(observer: asyncpg.Connection) -> None:
    for _ in range(200):
        ended = await observer.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = 'fundadmin' "
            "AND wait_event_type = 'Lock'"
        )
        if ended:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the request never waited for the locked account")
