"""`fundadmin earmarks release`: the command a scheduler runs, recorded like the route."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import URL

from fundadmin.cli import main
from fundadmin.database import create_engine
from fundadmin.settings import get_settings
from tests.clock import NOW
from tests.postgres import clone_database, drop_database


@pytest.fixture
def migrated_demo_url(pg_admin_url: URL, templates: dict[str, str]) -> Iterator[URL]:
    """A copy of the demo database for a synchronous test (the command runs its own loop)."""
    url = asyncio.run(clone_database(pg_admin_url, templates["seeded"]))
    yield url
    asyncio.run(drop_database(pg_admin_url, str(url.database)))


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    for name in ("DATABASE_URL", "FUNDADMIN_DATABASE_URL", "FUNDADMIN_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _rows(url: URL, query: str) -> list[tuple[object, ...]]:
    async def run() -> list[tuple[object, ...]]:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                return [tuple(r) for r in await connection.execute(sa.text(query))]
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_releases_what_the_period_left_unclaimed_and_records_it(
    cli: CliRunner, migrated_demo_url: URL
) -> None:
    env = {
        "DATABASE_URL": migrated_demo_url.render_as_string(hide_password=False),
        "FUNDADMIN_FIXED_NOW": (NOW + timedelta(days=3 * 365)).isoformat(),
    }
    result = cli.invoke(main, ["earmarks", "release", "--country", "SE"], env=env)
    assert result.exit_code == 0, result.output
    assert "released SE " in result.output
    rows = _rows(migrated_demo_url, "SELECT country, released_by FROM earmark_release")
    assert rows
    assert set(rows) == {("SE", "command")}
    audit = _rows(
        migrated_demo_url, "SELECT count(*) FROM audit_event WHERE action = 'earmark.release'"
    )
    assert audit[0][0] == len(rows)
    again = cli.invoke(main, ["earmarks", "release", "--country", "SE"], env=env)
    assert again.exit_code == 0, again.output
    assert "0 earmark(s) released" in again.output
