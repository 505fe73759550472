"""Issue 12: a database that stops answering (frozen, not closed) costs a request a few seconds
and a 503, never a hang; readiness says so within 2 s; and both recover on their own.

The service reaches PostgreSQL through a TCP proxy the test can pause: paused, it keeps every
connection open and forwards nothing, as a SIGSTOPped server or a dead network path does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy.engine import URL

from fundadmin.app import create_app
from fundadmin.settings import Settings
from tests.http import app_client


class PausableProxy:
    def __init__(self, url: URL) -> None:
        socket_dir = url.query.get("host")
        self.unix_path = (
            f"{socket_dir}/.s.PGSQL.{url.port or 5432}" if isinstance(socket_dir, str) else None
        )
        self.target = (url.host or "127.0.0.1", url.port or 5432)
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.unix_path:
            up_reader, up_writer = await asyncio.open_unix_connection(self.unix_path)
        else:
            up_reader, up_writer = await asyncio.open_connection(*self.target)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    await self.flowing.wait()
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def close(self) -> None:
        self.flowing.set()
        if self.server is not None:
            self.server.close()


@pytest.fixture
async def proxy(database_url: URL) -> AsyncIterator[tuple[PausableProxy, URL]]:
    proxy = PausableProxy(database_url)
    port = await proxy.start()
    query = {k: v for k, v in database_url.query.items() if k != "host"}
    yield proxy, database_url.set(host="127.0.0.1", port=port, query=query)
    await proxy.close()


async def test_a_frozen_database_is_a_quick_503_and_the_service_recovers(
    proxy: tuple[PausableProxy, URL],
    settings: Settings,
    auth: Callable[[str], Awaitable[dict[str, str]]],
) -> None:
    gate, url = proxy
    headers = await auth("admin-se")
    app = create_app(settings.model_copy(update={"db_wait_seconds": 1.5}), url)
    async with app_client(app) as client:
        assert (await client.get("/api/v1/ledger/accounts", headers=headers)).status_code == 200

        gate.flowing.clear()
        started = time.monotonic()
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert time.monotonic() - started < 2
        started = time.monotonic()
        response = await client.get("/api/v1/ledger/accounts", headers=headers)
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"]
        assert time.monotonic() - started < 5

        gate.flowing.set()
        for _ in range(50):
            if (await client.get("/health/ready")).status_code == 200:
                break
            await asyncio.sleep(0.2)
        assert (await client.get("/health/ready")).status_code == 200
        assert (await client.get("/api/v1/ledger/accounts", headers=headers)).status_code == 200
