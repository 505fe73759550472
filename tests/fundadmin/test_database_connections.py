"""Pooled database connections outlive a database that closes them (a restart, a failover, an
operator terminating sessions): the next request is answered on a fresh connection."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from litestar.testing import AsyncTestClient
from sqlalchemy.engine import URL

from tests.postgres import admin_execute

TERMINATE_SERVICE_CONNECTIONS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND application_name = 'fundadmin'"
)


async def test_a_request_after_the_database_closed_the_pools_connections_is_answered(
    client: AsyncTestClient,
    auth: Callable[[str], Awaitable[dict[str, str]]],
    database_url: URL,
) -> None:
    headers = await auth("admin-se")
    assert (await client.get("/api/v1/ledger/accounts", headers=headers)).status_code == 200
    await admin_execute(database_url, TERMINATE_SERVICE_CONNECTIONS)
    await asyncio.sleep(0.2)  # the event loop reads the closed sockets

    response = await client.get("/api/v1/ledger/accounts", headers=headers)

    assert response.status_code == 200
    assert response.json()
