"""Litestar dependencies shared by every controller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar.datastructures import State
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.clock import Clock
from fundadmin.security.guards import current_principal


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    """A session per request. It never commits by itself: handlers that write use `unit_of_work`,
    so whatever a handler did not commit is rolled back when the request ends."""
    async with state.session_factory() as session:
        yield session


def provide_clock(state: State) -> Clock:
    """The application's business clock (see fundadmin/clock.py)."""
    clock: Clock = state.clock
    return clock


DEPENDENCIES: dict[str, Any] = {
    "session": Provide(provide_session),
    "clock": Provide(provide_clock, sync_to_thread=False),
    "principal": Provide(current_principal, sync_to_thread=False),
}
