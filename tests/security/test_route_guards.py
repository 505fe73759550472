"""Deny by default: every route of the app names who may call it, and each role's reach is
checked against every route, so routes added later are covered without touching this file."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from fundadmin.app import create_app
from fundadmin.security.keys import generate_private_pem
from fundadmin.security.principal import Role
from fundadmin.settings import Settings

PUBLIC_PATHS = {
    "/health",
    "/health/ready",
    "/api/v1/auth/token",
    "/.well-known/jwks.json",
    "/api/v1/letters/verify/{code}",
}
"""The only routes anyone may call (besides the API documentation under /schema)."""

ROLE_USERS = {
    Role.LEGAL_ADVISER: "adviser-marta",
    Role.ADMINISTRATOR: "admin-se",
    Role.MINISTRY: "ministry-se",
    Role.AUDITOR: "auditor",
    Role.SUPERUSER: "superuser",
}
"""A demo user holding only this role."""

PERSONAL_DATA_PREFIXES = ("/api/v1/claimants", "/api/v1/claims/", "/api/v1/users")
"""Route families that return personal data (or accounts): never reachable with a ministry
token. `/api/v1/claims` itself is a list of claims, so it counts too."""

_SAMPLE_BY_TYPE: dict[Any, str] = {
    uuid.UUID: "",  # a fresh random UUID each time
    str: "SE",
    int: "1",
    Path: "SE/fund/victims",
    date: "2026-01-31",
    datetime: "2026-01-31T12:00:00Z",
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path_format: str
    parameters: dict[str, Any]
    allowed_roles: frozenset[Role] | None
    """None when no guard made by `requires` protects the handler."""
    public: bool

    def url(self) -> str:
        values = {
            name: _SAMPLE_BY_TYPE.get(kind) or str(uuid.uuid4())
            for name, kind in self.parameters.items()
        }
        return self.path_format.format(**values)

    def __str__(self) -> str:
        return f"{self.method} {self.path_format}"


def _allowed_roles(handler: Any) -> frozenset[Role] | None:
    allowed: frozenset[Role] | None = None
    for layer in handler.ownership_layers:
        for guard in layer.guards or []:
            roles = getattr(guard, "allowed_roles", None)
            if roles is not None:
                allowed = roles if allowed is None else allowed & roles
    return allowed


def endpoints() -> list[Endpoint]:
    """Every method of every route of the real app, OPTIONS aside (CORS preflight, answered
    before authentication with nothing but the allowed methods)."""
    settings = Settings(
        environment="test",
        data_dir=Path(tempfile.mkdtemp()),
        jwt_private_keys=generate_private_pem(),
    )
    app = create_app(settings, make_url("postgresql+asyncpg://unused@localhost/unused"))
    found = []
    for route in app.routes:
        if route.path.startswith(("/schema", "/web")):
            # The web pages authenticate by session cookie; tests/web walks their doors.
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                found.append(
                    Endpoint(
                        method=method,
                        path_format=route.path_format,
                        parameters={n: p.type for n, p in route.path_parameters.items()},
                        allowed_roles=_allowed_roles(handler),
                        public=bool(handler.opt.get("public")),
                    )
                )
    return found


ENDPOINTS = endpoints()
GUARDED = [e for e in ENDPOINTS if not e.public]


async def _call(client, endpoint: Endpoint, headers: dict[str, str] | None = None) -> int:
    body = {} if endpoint.method in {"POST", "PUT", "PATCH"} else None
    response = await client.request(
        endpoint.method, endpoint.url(), headers=headers or {}, json=body
    )
    return int(response.status_code)


class TestDenyByDefault:
    def test_the_walk_finds_the_routes(self) -> None:
        assert {str(e) for e in ENDPOINTS} >= {
            "POST /api/v1/auth/token",
            "GET /api/v1/users",
            "GET /api/v1/audit",
        }

    def test_every_route_is_guarded_by_requires_or_public(self) -> None:
        unguarded = [str(e) for e in ENDPOINTS if not e.public and not e.allowed_roles]
        assert unguarded == []

    def test_only_the_known_routes_are_public(self) -> None:
        assert {e.path_format for e in ENDPOINTS if e.public} == PUBLIC_PATHS

    def test_no_route_with_personal_data_admits_a_ministry(self) -> None:
        reachable = [
            str(e)
            for e in GUARDED
            if (e.path_format + "/").startswith(PERSONAL_DATA_PREFIXES)
            and e.allowed_roles
            and Role.MINISTRY in e.allowed_roles
        ]
        assert reachable == []


class TestRoleMatrix:
    async def test_without_a_token_every_guarded_route_is_401(self, client) -> None:
        wrong = {str(e): s for e in GUARDED if (s := await _call(client, e)) != 401}
        assert wrong == {}

    @pytest.mark.parametrize("role", list(ROLE_USERS), ids=str)
    async def test_a_role_outside_the_guard_is_403(self, client, auth, role: Role) -> None:
        headers = await auth(ROLE_USERS[role])
        outside = [e for e in GUARDED if e.allowed_roles and role not in e.allowed_roles]
        wrong = {str(e): s for e in outside if (s := await _call(client, e, headers)) != 403}
        assert wrong == {}

    @pytest.mark.parametrize("role", list(ROLE_USERS), ids=str)
    async def test_a_role_inside_the_guard_gets_past_it(self, client, auth, role: Role) -> None:
        """Random ids and an empty body: the answer is the route's own (404, 422, ...), never
        an authentication or server failure."""
        headers = await auth(ROLE_USERS[role])
        inside = [e for e in GUARDED if e.allowed_roles and role in e.allowed_roles]
        wrong = {
            str(e): s for e in inside if (s := await _call(client, e, headers)) == 401 or s >= 500
        }
        assert wrong == {}
