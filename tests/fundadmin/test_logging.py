"""Logs are JSON lines with the request id on each, and carry no request bodies."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import URL

from fundadmin.app import create_app
from fundadmin.settings import Settings
from tests.http import app_client

SECRET_IN_BODY = "Marija-Ozolina-1987"


async def _requests_and_log_lines(
    settings: Settings, database_url: URL, capsys: pytest.CaptureFixture[str]
) -> tuple[list[dict], list[str]]:
    app = create_app(settings.model_copy(update={"log_level": "INFO"}), database_url)
    async with app_client(app) as client:
        await client.post(
            "/api/v1/auth/token",
            json={"username": SECRET_IN_BODY, "password": SECRET_IN_BODY},
            headers={"X-Request-ID": "trace-abcdef01"},
        )
        await client.get("/no/such/route", headers={"X-Request-ID": "trace-404404404"})
    raw = capsys.readouterr().out.splitlines()
    return [json.loads(line) for line in raw if line.startswith("{")], raw


class TestStructuredLogs:
    async def test_every_line_is_json_with_the_request_id(
        self, settings: Settings, database_url: URL, capsys: pytest.CaptureFixture[str]
    ) -> None:
        lines, raw = await _requests_and_log_lines(settings, database_url, capsys)
        assert lines
        assert len(lines) == len(raw)
        access = [line for line in lines if line.get("logger") == "fundadmin.access"]
        assert {(a["request_id"], a["status"]) for a in access} == {
            ("trace-abcdef01", 401),
            ("trace-404404404", 404),
        }
        for line in lines:
            if line.get("logger", "").startswith("fundadmin"):
                assert line.get("request_id"), line

    async def test_no_request_body_reaches_the_log(
        self, settings: Settings, database_url: URL, capsys: pytest.CaptureFixture[str]
    ) -> None:
        _, raw = await _requests_and_log_lines(settings, database_url, capsys)
        assert not any(SECRET_IN_BODY in line for line in raw)
