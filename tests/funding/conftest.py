"""Money in over HTTP: a helper that records confiscations, realisations and movements."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.claims.conftest import Auth, Driver

CASE = "B-4711-25"


class Funding:
    def __init__(self, driver: Driver) -> None:
        self.driver = driver

    async def order(
        self, country: str = "SE", case: str = CASE, user: str = "admin-se", **overrides: Any
    ) -> dict[str, Any]:
        body = {
            "country": country,
            "court": "Stockholms tingsrätt",
            "case_reference": case,
            "ordered_on": "2026-03-02",
            "description": "Two flats and a car",
            "estimated_value": "2500000.00",
            "currency": "SEK" if country == "SE" else "EUR",
            **overrides,
        }
        response = await self.driver.call(
            "POST", "/api/v1/confiscations", user, json=body, idempotency=True, expect=201
        )
        assert response.headers["Location"] == f"/api/v1/confiscations/{response.json()['id']}"
        return response.json()

    async def current_etag(self, order: dict[str, Any], user: str) -> str:
        """The order's ETag as `user` reads it now; another country's order (404 to `user`)
        keeps the version it was created with."""
        response = await self.driver.client.get(
            f"/api/v1/confiscations/{order['id']}", headers=await self.driver.auth(user)
        )
        return response.headers.get("ETag", f'"{order["version"]}"')

    async def realise(
        self,
        order: dict[str, Any],
        amount: str,
        *,
        user: str = "admin-se",
        received_on: str = "2026-06-01",
        expect: int = 201,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Record a realisation as a client does: If-Match is the order's current ETag unless
        `headers` name one, and a fresh Idempotency-Key unless `headers` name one."""
        sent = {"If-Match": await self.current_etag(order, user), **(headers or {})}
        response = await self.driver.call(
            "POST",
            f"/api/v1/confiscations/{order['id']}/realisations",
            user,
            json={"received_on": received_on, "amount": amount, "currency": order["currency"]},
            idempotency="Idempotency-Key" not in sent,
            headers=sent,
            expect=expect,
        )
        if expect == 201:
            # A realisation is read with its confiscation.
            assert response.headers["Location"] == f"/api/v1/confiscations/{order['id']}"
        return response.json()


@pytest.fixture
def driver(client: httpx.AsyncClient, auth: Auth) -> Driver:
    return Driver(client, auth)


@pytest.fixture
def funding(driver: Driver) -> Funding:
    return Funding(driver)
