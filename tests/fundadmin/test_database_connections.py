"""Pooled database connections outlive a database that closes them (a restart, a failover, an
operator terminating sessions): the next request is answered on a fresh connection."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy.engine import URL

from fundadmin.app import create_app
from fundadmin.database import normalise_database_url
from fundadmin.settings import Settings
from tests.http import app_client
from tests.postgres import admin_execute

TERMINATE_SERVICE_CONNECTIONS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND application_name = 'fundadmin'"
)


async def test_a_request_after_the_database_closed_the_pools_connections_is_answered(
    client: httpx.AsyncClient,
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


async def test_a_request_while_the_database_is_down_is_a_503_telling_to_retry(
    auth: Callable[[str], Awaitable[dict[str, str]]], settings: Settings
) -> None:
    headers = await auth("admin-se")
    # A port nobody listens on: the service is up, its database is not.
    down = normalise_database_url("postgresql://nobody:x@127.0.0.1:9/fundadmin")
    async with app_client(create_app(settings, down)) as client:
        response = await client.get("/api/v1/ledger/accounts", headers=headers)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert "retry the request" in response.json()["detail"]
