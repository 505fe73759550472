"""The HTTP side of the tests: the real app served in the test's own event loop, and the
service started as a process.

Litestar's AsyncTestClient runs the app in a portal thread and waits there for each response,
which makes the requests of one test run one after another; racing requests must really race.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

BASE_URL = "http://testserver.local"
FUNDADMIN = str(Path(sys.executable).parent / "fundadmin")
"""The `fundadmin` command of the virtual environment running the tests."""


@asynccontextmanager
async def app_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app`, with the app started (lifespan) and stopped around it."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        # The lifespan's cancel scopes must be entered and left by one task; a pytest fixture
        # sets up and tears down in different ones.
        async with app.lifespan():
            started.set()
            await stop.wait()

    lifespan = asyncio.create_task(run())
    waiting = asyncio.create_task(started.wait())
    await asyncio.wait({lifespan, waiting}, return_when=asyncio.FIRST_COMPLETED)
    if lifespan.done():
        waiting.cancel()
        lifespan.result()  # the app failed to start: raise its error here
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE_URL
        ) as client:
            yield client
    finally:
        stop.set()
        await lifespan


def free_port() -> int:
    """A TCP port nobody listens on now, for a service a test starts as a process."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(
    process: subprocess.Popen[str], base_url: str, output: Callable[[], str], seconds: float = 90
) -> None:
    """Poll `/health/ready` until it answers 200; fail with `output()` if the process exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, output()
        try:
            if httpx.get(f"{base_url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"the service did not become ready within {seconds:.0f} s")
