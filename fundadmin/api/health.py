"""Liveness and readiness, for load balancers and for a newcomer checking that `make run` works."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import sqlalchemy as sa
from litestar import Controller, get
from litestar.datastructures import State

from fundadmin.errors import SERVICE_UNAVAILABLE, ProblemError
from fundadmin.schema import SchemaBehind, require_current_schema
from fundadmin.security.guards import PUBLIC

READY_WITHIN_SECONDS = 1.5


async def _check_database(state: State) -> None:
    async with state.engine.connect() as conn:
        await conn.execute(sa.text("SELECT 1"))
    await require_current_schema(state.engine)


async def _within(seconds: float, check: Coroutine[Any, Any, None]) -> None:
    """A load balancer waits for this answer: a stalled database is "not ready", quickly. The
    check runs on as its own task when it overruns, since even its cleanup (returning the
    connection) may wait for the stalled database; it ends within the engine's own timeouts."""
    task = asyncio.create_task(check)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        raise TimeoutError
    task.result()


class HealthController(Controller):
    path = "/health"
    tags = ["health"]
    opt = PUBLIC

    @get("/", summary="The process is up")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready", summary="The database is reachable and its schema is current (within 2 s)")
    async def ready(self, state: State) -> dict[str, Any]:
        try:
            await _within(READY_WITHIN_SECONDS, _check_database(state))
        except SchemaBehind as exc:
            raise ProblemError(SERVICE_UNAVAILABLE, str(exc)) from exc
        except (OSError, TimeoutError, sa.exc.SQLAlchemyError) as exc:
            raise ProblemError(
                SERVICE_UNAVAILABLE, "the database is not reachable", headers={"Retry-After": "5"}
            ) from exc
        return {"status": "ready", "database": "ok", "schema": "current"}
