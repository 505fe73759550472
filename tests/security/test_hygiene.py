"""Hygiene: security headers, CORS closed by default, no personal value in logs, answers or the
API description."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy.engine import URL

from fundadmin.app import create_app
from fundadmin.security.vault import vault_from_settings
from fundadmin.settings import Settings
from tests.conftest import DEMO_PASSWORD
from tests.http import app_client

NAME = "Anna Berzina"
PASSWORD = "Anna-Berzina-secret-1990"


class TestSecurityHeaders:
    @pytest.mark.parametrize("path", ["/health", "/api/v1/users", "/no/such/route"])
    async def test_every_answer_carries_them(self, client, path: str) -> None:
        response = await client.get(path)
        headers = response.headers
        assert headers["strict-transport-security"].startswith("max-age=")
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["content-security-policy"].startswith("default-src 'none'")
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store"

    async def test_api_documentation_may_load_its_viewer(self, client) -> None:
        response = await client.get("/schema")
        csp = response.headers["content-security-policy"]
        assert "script-src 'self' 'unsafe-inline';" in csp
        assert "https:" not in csp  # its assets are served by the service itself
        assert "frame-ancestors 'none'" in csp


class TestCors:
    async def test_closed_by_default(self, client) -> None:
        preflight = await client.options(
            "/api/v1/users",
            headers={
                "Origin": "https://evil.example",
                "Access-Control-Request-Method": "GET",
            },
        )
        assert "access-control-allow-origin" not in preflight.headers
        simple = await client.get("/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in simple.headers

    async def test_opened_only_to_the_configured_origin(
        self, settings: Settings, database_url: URL
    ) -> None:
        opened = settings.model_copy(update={"cors_allowed_origins": ["https://fund.example"]})
        async with app_client(create_app(opened, database_url)) as client:
            allowed = await client.get("/health", headers={"Origin": "https://fund.example"})
            other = await client.get("/health", headers={"Origin": "https://evil.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://fund.example"
        assert other.headers.get("access-control-allow-origin") != "https://evil.example"


class TestNoPersonalDataInLogs:
    async def test_sign_in_user_management_and_vault_log_no_name_or_password(
        self,
        settings: Settings,
        database_url: URL,
        sessions,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        app = create_app(settings.model_copy(update={"log_level": "DEBUG"}), database_url)
        answers: list[str] = []
        async with app_client(app) as client:
            for body in (
                {"username": NAME, "password": PASSWORD},
                {"username": "admin-se", "password": PASSWORD},
                {"client_id": NAME, "client_secret": PASSWORD},
                {"username": NAME, "password": PASSWORD, "unexpected": NAME},
            ):
                answers.append((await client.post("/api/v1/auth/token", json=body)).text)
            token = await client.post(
                "/api/v1/auth/token", json={"username": "superuser", "password": DEMO_PASSWORD}
            )
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            for body in (
                {
                    "username": "admin-is",
                    "password": PASSWORD,
                    "grants": [{"role": "administrator", "country": "IS"}],
                },
                {
                    "username": NAME,
                    "password": PASSWORD,
                    "grants": [{"role": "administrator", "country": "IS"}],
                },
                {
                    "username": "x",
                    "password": PASSWORD,
                    "grants": [{"role": NAME, "country": "IS"}],
                },
            ):
                answers.append(
                    (await client.post("/api/v1/users", json=body, headers=headers)).text
                )
            answers.append((await client.get(f"/api/v1/users?name={NAME}", headers=headers)).text)
        vault = vault_from_settings(settings)
        async with sessions() as session, session.begin():
            subject = await vault.new_subject(session)
            ciphertext = await vault.encrypt(session, subject, "full_name", NAME.encode())
            assert await vault.decrypt(session, subject, "full_name", ciphertext) == NAME.encode()
            await vault.erase(session, subject)
        captured = capsys.readouterr()
        lines = (captured.out + captured.err).splitlines()
        assert any('"fundadmin.access"' in line for line in lines)
        # The test client's own logger (httpx) prints the URLs this test sends on purpose.
        leaks = [line for line in lines if _leaks(line) and '"logger": "httpx"' not in line]
        assert leaks == []
        assert [a for a in answers if _leaks(a)] == []


def _leaks(text: str) -> bool:
    lowered = text.lower()
    return any(s in lowered for s in ("anna", "berzina", "secret-1990", PASSWORD.lower()))


def _examples(node: Any) -> list[Any]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"example", "examples"}:
                found.append(value)
            else:
                found += _examples(value)
    elif isinstance(node, list):
        for item in node:
            found += _examples(item)
    return found


_PERSONAL_LOOKING = [
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),  # e-mail
    re.compile(r"\+\d[\d ()-]{7,}\d"),  # phone
    re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{10,30}\b"),  # IBAN
    re.compile(r"\b\d{6}[-+A]\d{3}[0-9A-Z]\b|\b\d{6}-\d{5}\b"),  # Nordic/Baltic personal code
    re.compile(r"\b(?:anna|marija|olga|natalia|elena)\b", re.IGNORECASE),  # given names of tests
]


class TestNoPersonalDataInTheApiDescription:
    async def test_examples_hold_nothing_that_looks_personal(self, client) -> None:
        document = (await client.get("/schema/openapi.json")).json()
        texts = [json.dumps(example, ensure_ascii=False) for example in _examples(document)]
        suspicious = [t for t in texts if any(p.search(t) for p in _PERSONAL_LOOKING)]
        assert suspicious == []
