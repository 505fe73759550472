"""Liveness and readiness, for load balancers and for a newcomer checking that `make run` works."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency

from fundadmin.clock import Clock, today
from fundadmin.errors import SERVICE_UNAVAILABLE, ProblemError
from fundadmin.parameter_values.service import proposals_impossible
from fundadmin.schema import SchemaBehind, require_current_schema
from fundadmin.security.guards import PUBLIC


class HealthController(Controller):
    path = "/health"
    tags = ["health"]
    opt = PUBLIC

    @get("/", summary="The process is up")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get(
        "/ready",
        summary="The database is reachable and its schema is current; names the countries whose "
        "proposals are impossible (a yearly figure lapsed)",
    )
    async def ready(self, state: State, clock: NamedDependency[Clock]) -> dict[str, Any]:
        try:
            async with state.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
            await require_current_schema(state.engine)
            async with state.session_factory() as session:
                impossible = await proposals_impossible(session, today(clock))
        except SchemaBehind as exc:
            raise ProblemError(SERVICE_UNAVAILABLE, str(exc)) from exc
        except (OSError, sa.exc.SQLAlchemyError) as exc:
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
