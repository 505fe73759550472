from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import URL

from tests.postgres import clone_database, drop_database


@pytest.fixture
def migrated_url(pg_admin_url: URL, templates: dict[str, str]) -> Iterator[URL]:
    """A migrated, empty database for synchronous tests (Alembic runs its own event loop)."""
    url = asyncio.run(clone_database(pg_admin_url, templates["empty"]))
    yield url
    asyncio.run(drop_database(pg_admin_url, str(url.database)))
