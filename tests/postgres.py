"""The test suite's PostgreSQL: one real server per run, one database per test.

The server is the embedded one from the Python wheel (or `FUNDADMIN_TEST_DATABASE_URL`, a URL
with the right to create databases). The schema is built once by running the migrations into
template databases; every test gets a fresh copy, so tests may commit and see real constraints.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from fundadmin.database import normalise_database_url
from fundadmin.embedded_postgres import embedded_postgres

# Durability is worthless for throw-away test databases and costs most of the run time.
_FAST_SETTINGS = {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"}


def dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def admin_execute(admin_url: URL, *statements: str) -> None:
    conn = await asyncpg.connect(dsn(admin_url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def test_server(external_url: str | None, data_dir: Path) -> Iterator[URL]:
    if external_url:
        yield normalise_database_url(external_url)
        return
    with embedded_postgres(data_dir) as admin_url:
        url = admin_url.set(drivername="postgresql+asyncpg")
        asyncio.run(
            admin_execute(
                url,
                *(f"ALTER SYSTEM SET {k} = '{v}'" for k, v in _FAST_SETTINGS.items()),
                "SELECT pg_reload_conf()",
            )
        )
        yield url


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


async def clone_database(admin_url: URL, template: str) -> URL:
    name = unique_name("test")
    await admin_execute(
        admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY'
    )
    return admin_url.set(database=name)


async def drop_database(admin_url: URL, name: str) -> None:
    await admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


__all__ = ["admin_execute", "clone_database", "drop_database", "make_url", "test_server"]
