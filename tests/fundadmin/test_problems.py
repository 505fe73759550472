"""Every error answer is an RFC 9457 problem document that says what is wrong."""

from __future__ import annotations

import httpx

from fundadmin.settings import Settings

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    return body


class TestProblemDocuments:
    async def test_unknown_path_is_404(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.get("/no/such/thing"), 404)
        assert body["instance"] == "/no/such/thing"

    async def test_wrong_method_is_405(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.delete("/health"), 405)

    async def test_oversize_body_is_413(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        body = b"x" * (settings.max_request_bytes + 1)
        response = await client.post(
            "/api/v1/auth/token", content=body, headers={"content-type": "application/json"}
        )
        assert_problem(response, 413)

    async def test_invalid_body_is_422_naming_the_field_without_echoing_values(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/api/v1/auth/token", json={"username": "Anna Berzina", "secret": "x"}
        )
        body = assert_problem(response, 422)
        assert body["errors"]
        assert "Anna Berzina" not in response.text

    async def test_problem_carries_the_request_id(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/auth/token", json={}, headers={"X-Request-ID": "req-12345678"}
        )
        assert response.headers["x-request-id"] == "req-12345678"
        assert assert_problem(response, 422)["request_id"] == "req-12345678"


class TestParametersOutOfRange:
    """Numbers PostgreSQL or Python could not take are refused by the schema, not by a crash."""

    async def test_a_huge_offset_or_age_is_422_naming_the_parameter(
        self, client: httpx.AsyncClient, auth
    ) -> None:
        admin = await auth("admin-se")
        for path, name in (
            ("/api/v1/claims?offset=57018561525673908683664364132106240", "offset"),
            ("/api/v1/claimants?offset=9223372036854775808", "offset"),
            ("/api/v1/claims?older_than_days=99999999999", "older_than_days"),
        ):
            body = assert_problem(await client.get(path, headers=admin), 422)
            assert [error["field"] for error in body["errors"]] == [name], path

    async def test_a_nul_character_in_a_query_is_422(self, client: httpx.AsyncClient, auth) -> None:
        response = await client.get(
            "/api/v1/claims?reference=SE%00", headers=await auth("admin-se")
        )
        assert assert_problem(response, 422)["type"].endswith("/unstorable-text")
