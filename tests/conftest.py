"""Fixtures every test may use: a real PostgreSQL database, the real app, signed-in callers."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from fundadmin import schema
from fundadmin.app import create_app
from fundadmin.clock import FixedClock
from fundadmin.database import create_engine, create_session_factory
from fundadmin.demo import seed_demo_data
from fundadmin.letters.worker import issue_queued_letters
from fundadmin.security.keys import generate_private_pem
from fundadmin.security.models import UserAccount
from fundadmin.security.users import principal_of
from fundadmin.settings import Settings
from tests.clock import NOW
from tests.http import app_client
from tests.postgres import admin_execute, clone_database, drop_database, test_server, unique_name

DEMO_PASSWORD = "demo-test-password"
Headers = dict[str, str]

# The contract fuzz runs for minutes in one file; started last, one worker ran it alone while the
# other sat idle. Started first, the other worker takes every other file meanwhile.
LONGEST_FIRST = ("tests/fundadmin/test_api_fuzz.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def starts_late(item: pytest.Item) -> bool:
        return not item.nodeid.startswith(LONGEST_FIRST)

    items.sort(key=starts_late)


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[URL]:
    external = os.environ.get("FUNDADMIN_TEST_DATABASE_URL")
    with test_server(external, tmp_path_factory.mktemp("pg")) as url:
        yield url


@pytest.fixture(scope="session")
def signing_keys() -> str:
    return generate_private_pem()


@pytest.fixture(scope="session")
def master_keys() -> str:
    return "test-1:" + base64.b64encode(os.urandom(32)).decode()


def make_settings(
    database_url: URL, data_dir: Path, signing_keys: str, master_keys: str
) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url.render_as_string(hide_password=False),
        data_dir=data_dir,
        jwt_private_keys=signing_keys,
        master_keys=master_keys,
        demo_password=DEMO_PASSWORD,
        log_level="WARNING",
        fixed_now=NOW,
    )


@pytest.fixture(scope="session")
def templates(
    pg_admin_url: URL, tmp_path_factory: pytest.TempPathFactory, signing_keys: str, master_keys: str
) -> dict[str, str]:
    """Two migrated template databases: `empty`, and `seeded` with the demo data."""
    names = {"empty": unique_name("tpl_empty"), "seeded": unique_name("tpl_seeded")}
    for name in names.values():
        asyncio.run(admin_execute(pg_admin_url, f'CREATE DATABASE "{name}"'))
        schema.upgrade(pg_admin_url.set(database=name))

    async def seed() -> None:
        url = pg_admin_url.set(database=names["seeded"])
        engine = create_engine(url, pool_size=1)
        settings = make_settings(url, tmp_path_factory.mktemp("seed"), signing_keys, master_keys)
        try:
            await seed_demo_data(create_session_factory(engine), settings, FixedClock(NOW))
        finally:
            await engine.dispose()

    asyncio.run(seed())
    return names


async def _cloned(pg_admin_url: URL, template: str) -> AsyncIterator[URL]:
    url = await clone_database(pg_admin_url, template)
    try:
        yield url
    finally:
        await drop_database(pg_admin_url, str(url.database))


@pytest.fixture
async def database_url(pg_admin_url: URL, templates: dict[str, str]) -> AsyncIterator[URL]:
    """A fresh database with the current schema and the demo data, dropped after the test."""
    async for url in _cloned(pg_admin_url, templates["seeded"]):
        yield url


@pytest.fixture
async def empty_database_url(pg_admin_url: URL, templates: dict[str, str]) -> AsyncIterator[URL]:
    """A fresh database with the current schema and no rows."""
    async for url in _cloned(pg_admin_url, templates["empty"]):
        yield url


@pytest.fixture
def settings(database_url: URL, tmp_path: Path, signing_keys: str, master_keys: str) -> Settings:
    return make_settings(database_url, tmp_path, signing_keys, master_keys)


@pytest.fixture
async def engine(database_url: URL) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session on the test database, for arranging data and checking what was written."""
    async with sessions() as session:
        yield session


@pytest.fixture
def clock() -> FixedClock:
    """The app's business clock, at tests.clock.NOW; a test may move it forward."""
    return FixedClock(NOW)


@pytest.fixture
def app(settings: Settings, database_url: URL, clock: FixedClock) -> Litestar:
    return create_app(settings, database_url, clock)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app) as client:
        yield client


@pytest.fixture
def auth(
    app: Litestar, sessions: async_sessionmaker[AsyncSession]
) -> Callable[[str], Awaitable[Headers]]:
    """`await auth("admin-se")`: the Authorization header of a signed-in demo user."""

    async def headers_for(username: str) -> Headers:
        async with sessions() as session:
            user = await session.scalar(
                sa.select(UserAccount).where(UserAccount.username == username)
            )
        assert user is not None, f"no demo user {username}"
        token = app.state.tokens.issue(principal_of(user))
        return {"Authorization": f"Bearer {token}"}

    return headers_for


@pytest.fixture
def letter_worker(
    settings: Settings, database_url: URL, clock: FixedClock
) -> Callable[[], Awaitable[None]]:
    """`await letter_worker()`: a letters worker in the test's own process issues every letter
    waiting on the queue (with the app's business clock), then returns."""

    async def issue() -> None:
        await issue_queued_letters(settings, database_url, clock)

    return issue
