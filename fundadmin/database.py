"""The database at the edge: URL handling, engine, sessions and the one place that commits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

ASYNC_DRIVER = "postgresql+asyncpg"
_ACCEPTED_SCHEMES = {"postgres", "postgresql", "postgresql+asyncpg"}


class DatabaseUrlError(ValueError):
    """The configured database URL is not a PostgreSQL URL this service can use."""


def normalise_database_url(raw: str) -> URL:
    """Accept the usual `postgresql://` forms (a unix-socket `?host=/dir` included) for asyncpg."""
    try:
        url = make_url(raw)
    except Exception as exc:
        raise DatabaseUrlError("DATABASE_URL is not a valid URL") from exc
    if url.drivername not in _ACCEPTED_SCHEMES:
        raise DatabaseUrlError(
            f"DATABASE_URL must start with postgresql:// (got {url.drivername}://)"
        )
    if not url.database:
        raise DatabaseUrlError("DATABASE_URL must name a database")
    query = dict(url.query)
    # libpq's sslmode means nothing to asyncpg, whose equivalent option is `ssl`.
    if "sslmode" in query:
        query["ssl"] = query.pop("sslmode")
    return url.set(drivername=ASYNC_DRIVER, query=query)


def create_engine(
    url: URL, *, pool_size: int = 10, wait_seconds: float | None = None
) -> AsyncEngine:
    """An engine whose every wait is bounded when `wait_seconds` is given (the service's): a
    connection from the pool or from the server, a statement, a row lock. A database that stops
    answering (frozen, unreachable) then costs a request a few seconds and a 503, not a hang.
    Commands (migrations, the CLI) leave it None: they may run long on purpose."""
    server_settings = {"lock_timeout": "5s", "application_name": "fundadmin"}
    connect_args: dict[str, Any] = {"server_settings": server_settings}
    bounds: dict[str, Any] = {}
    if wait_seconds is not None:
        milliseconds = str(int(wait_seconds * 1000))
        # A request that waits longer than this for a row lock gets a clear 409 instead of hanging.
        server_settings |= {"lock_timeout": milliseconds, "statement_timeout": milliseconds}
        # The server's own timeouts need a server that runs; these hold when it does not.
        connect_args |= {"timeout": wait_seconds, "command_timeout": wait_seconds + 1}
        bounds = {"pool_timeout": wait_seconds}
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args=connect_args,
        **bounds,
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    return engine


def _refuse_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Replace, at checkout, a pooled connection the server has closed (a restart, a terminated
    backend): the event loop has already seen the socket close, so this costs no round trip,
    where SQLAlchemy's `pool_pre_ping` costs three (BEGIN, a ping, ROLLBACK) on every request."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the database closed this pooled connection")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def unit_of_work(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Commit what the block wrote, or roll all of it back.

    Handlers that change state wrap their work in this, so a constraint or serialization failure
    surfaces before the response is sent (and becomes a problem document), never after it.
    """
    try:
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
