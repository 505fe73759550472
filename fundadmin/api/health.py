"""Liveness and readiness, for load balancers and for a newcomer checking that `make run` works."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency

from fundadmin.clock import Clock, today
from fundadmin.errors import SERVICE_UNAVAILABLE, ProblemError
from fundadmin.parameter_values.service import proposals_impossible
from fundadmin.schema import SchemaBehind, require_current_schema
from fundadmin.security.guards import PUBLIC

READY_WITHIN_SECONDS = 1.5

T = TypeVar("T")


async def _check_database(state: State, on: date) -> dict[str, list[str]]:
    """Reachable and current; returns the countries whose proposals are impossible on `on`."""
    async with state.engine.connect() as conn:
        await conn.execute(sa.text("SELECT 1"))
    await require_current_schema(state.engine)
    async with state.session_factory() as session:
        return await proposals_impossible(session, on)


async def _within(seconds: float, check: Coroutine[Any, Any, T]) -> T:
    """A load balancer waits for this answer: a stalled database is "not ready", quickly. The
    check runs on as its own task when it overruns, since even its cleanup (returning the
    connection) may wait for the stalled database; it ends within the engine's own timeouts."""
    task = asyncio.create_task(check)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        raise TimeoutError
    return task.result()


class HealthController(Controller):
    path = "/health"
    tags = ["health"]
    opt = PUBLIC

    @get("/", summary="The process is up")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get(
        "/ready",
        summary="The database is reachable and its schema is current (within 2 s); names the "
        "countries whose proposals are impossible (a yearly figure lapsed)",
    )
    async def ready(self, state: State, clock: NamedDependency[Clock]) -> dict[str, Any]:
        try:
            impossible = await _within(READY_WITHIN_SECONDS, _check_database(state, today(clock)))
        except SchemaBehind as exc:
            raise ProblemError(SERVICE_UNAVAILABLE, str(exc)) from exc
        except (OSError, TimeoutError, sa.exc.SQLAlchemyError) as exc:
            raise ProblemError(
                SERVICE_UNAVAILABLE, "the database is not reachable", headers={"Retry-After": "5"}
            ) from exc
        return {
            "status": "ready",
            "database": "ok",
            "schema": "current",
            # The service still serves: claims are decided by hand until the figure is entered.
            "proposals_impossible": impossible,
        }
