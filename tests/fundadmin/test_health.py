from __future__ import annotations

import httpx
from sqlalchemy.engine import URL

from fundadmin.app import create_app
from fundadmin.database import normalise_database_url
from fundadmin.settings import Settings
from tests.http import app_client
from tests.postgres import admin_execute

PROBLEM = "application/problem+json"


class TestHealth:
    async def test_live_answers_without_a_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/health")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    async def test_ready_when_database_is_reachable_and_current(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/health/ready")
        assert response.status_code == 200
        assert response.json()["schema"] == "current"

    async def test_not_ready_while_database_is_down(self, settings: Settings) -> None:
        # A port nobody listens on: the process is up, the database is not.
        down = normalise_database_url("postgresql://nobody:x@127.0.0.1:9/fundadmin")
        async with app_client(create_app(settings, down)) as client:
            live = await client.get("/health")
            ready = await client.get("/health/ready")
        assert live.status_code == 200
        assert ready.status_code == 503
        assert ready.headers["content-type"].startswith(PROBLEM)
        assert ready.json()["detail"] == "the database is not reachable"

    async def test_not_ready_on_a_schema_that_is_behind(
        self, settings: Settings, empty_database_url: URL
    ) -> None:
        await admin_execute(empty_database_url, "UPDATE alembic_version SET version_num = 'old'")
        async with app_client(create_app(settings, empty_database_url)) as client:
            ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert "fundadmin db upgrade" in ready.json()["detail"]
