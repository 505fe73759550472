"""A multi-valued filter takes a comma list or repeated parameters, on every route the same;
a value that is not allowed is a 422 problem naming it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

Auth = Callable[[str], Awaitable[dict[str, str]]]


@pytest.mark.parametrize(
    ("path", "name", "values"),
    [
        ("/api/v1/claims", "status", ["submitted", "under_review"]),
        ("/api/v1/claims", "country", ["SE", "NO"]),
        ("/api/v1/return-assistance", "status", ["applied", "approved"]),
    ],
)
async def test_a_comma_list_is_the_same_as_repeated_parameters(
    client: httpx.AsyncClient, auth: Auth, path: str, name: str, values: list[str]
) -> None:
    headers = await auth("auditor")
    repeated = await client.get(
        path, params=[(name, v) for v in values] + [("limit", "200")], headers=headers
    )
    comma = await client.get(path, params={name: ",".join(values), "limit": "200"}, headers=headers)
    assert repeated.status_code == 200, repeated.text
    assert comma.status_code == 200, comma.text
    assert comma.json() == repeated.json()


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/api/v1/claims", "submitted"), ("/api/v1/return-assistance", "applied")],
)
async def test_a_value_not_allowed_is_422_naming_it(
    client: httpx.AsyncClient, auth: Auth, path: str, allowed: str
) -> None:
    headers = await auth("auditor")
    response = await client.get(path, params={"status": f"{allowed},bogus"}, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "bogus" in response.text
    assert response.json()["errors"][0]["field"] == "status"
