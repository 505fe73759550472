"""Ministries see aggregates only: every claims and claimants route answers them 403."""

from __future__ import annotations

import re
import uuid

import pytest
from litestar import Litestar

from tests.claims.conftest import Driver


def _claims_routes(app: Litestar) -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in app.routes
        if route.path.startswith(("/api/v1/claims", "/api/v1/claimants"))
        for method in route.methods - {"OPTIONS", "HEAD"}
    )


class TestMinistriesReachNoClaimRoute:
    @pytest.mark.parametrize("user", ["ministry-se", "ministry-region"])
    async def test_every_route_is_forbidden(self, app: Litestar, driver: Driver, user: str) -> None:
        routes = _claims_routes(app)
        assert len(routes) >= 25
        some_id = str(uuid.uuid4())
        for method, path in routes:
            concrete = re.sub(r"\{\w+:uuid\}", some_id, path)
            concrete = re.sub(r"\{\w+:int\}", "1", concrete)
            response = await driver.call(
                method, concrete, user, json={} if method != "GET" else None, expect=403
            )
            assert response.json()["type"].endswith("/forbidden"), (method, path)
