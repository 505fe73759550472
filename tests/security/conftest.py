from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import URL

from fundadmin.settings import get_settings
from tests.postgres import clone_database, drop_database


@pytest.fixture
def seeded_url(pg_admin_url: URL, templates: dict[str, str]) -> Iterator[URL]:
    """A database with the demo data, for synchronous tests (the CLI runs its own event loop)."""
    url = asyncio.run(clone_database(pg_admin_url, templates["seeded"]))
    yield url
    asyncio.run(drop_database(pg_admin_url, str(url.database)))


@pytest.fixture
def cli_env(
    seeded_url: URL, tmp_path: Path, master_keys: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    for name in ("DATABASE_URL", "FUNDADMIN_DATABASE_URL", "FUNDADMIN_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield {
        "DATABASE_URL": seeded_url.render_as_string(hide_password=False),
        "FUNDADMIN_DATA_DIR": str(tmp_path),
        "FUNDADMIN_MASTER_KEYS": master_keys,
    }
    get_settings.cache_clear()


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()
