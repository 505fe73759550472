"""Every list pages one way (fundadmin/api/pagination.py): `limit` and the cursor `after` in,
`{"items", "next"}` and a `Link` header out. The document states the cursor's shape, every string
of that shape is a position (a page, perhaps empty), any other is the one 422.

The list routes are found in the served document, so a new list that strays fails here."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

PROBLEM = "application/problem+json"
Auth = Callable[[str], Awaitable[dict[str, str]]]


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def _answers(operation: dict[str, Any]) -> list[str]:
    """The schema names a GET's 200 can be (one, or each of a oneOf)."""
    content = operation["responses"].get("200", {}).get("content", {})
    schema = next(iter(content.values()), {}).get("schema", {})
    return [s.get("$ref", "").rpartition("/")[2] for s in schema.get("oneOf", [schema])]


def _is_list(document: dict[str, Any], operation: dict[str, Any]) -> bool:
    schemas = document["components"]["schemas"]
    return any(
        "items" in schemas.get(name, {}).get("properties", {}) for name in _answers(operation)
    )


class TestTheDocumentDeclaresOneConvention:
    async def test_no_list_is_a_bare_array(self, client: httpx.AsyncClient) -> None:
        document = await _document(client)
        bare = [
            path
            for path, item in document["paths"].items()
            if "get" in item
            and next(iter(item["get"]["responses"].get("200", {}).get("content", {}).values()), {})
            .get("schema", {})
            .get("type")
            == "array"
        ]
        assert bare == []

    async def test_every_list_takes_after_and_limit_and_answers_items_and_next(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await _document(client)
        shared = document["components"]["parameters"]
        assert shared["After"]["name"] == "after"
        assert shared["After"]["schema"]["pattern"]
        assert shared["Limit"]["schema"] == {
            "type": "integer",
            "minimum": 1.0,
            "maximum": 200.0,
            "description": "Items per page (1-200)",
            "default": 50,
        }
        schemas = document["components"]["schemas"]
        lists = {
            path: item["get"]
            for path, item in document["paths"].items()
            if "get" in item and _is_list(document, item["get"])
        }
        assert len(lists) >= 20
        for path, operation in lists.items():
            refs = {p.get("$ref") for p in operation["parameters"]}
            assert {"#/components/parameters/After", "#/components/parameters/Limit"} <= refs, path
            assert "Link" in operation["responses"]["200"]["headers"], path
            for name in _answers(operation):
                page = schemas[name]
                if "items" in page["properties"]:
                    assert {"items", "next"} <= set(page["required"]), path
                    assert name.endswith("Page") or name == "StatementOut", path
            assert not {p.get("name") for p in operation["parameters"]} & {
                "offset",
                "before",
                "cursor",
                "page",
            }, path


# Who may read each list, and what fills its path.
_READER = {"/api/v1/users": "superuser", "/api/v1/audit": "auditor"}


async def _path_values(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    claims = (await client.get("/api/v1/claims", headers=headers)).json()["items"]
    claimants = (await client.get("/api/v1/claimants", headers=headers)).json()["items"]
    accounts = (
        await client.get("/api/v1/ledger/accounts", params={"limit": 200}, headers=headers)
    ).json()["items"]
    account = next(a["code"] for a in accounts if a["code"].startswith("SE/"))
    applications = (await client.get("/api/v1/return-assistance", headers=headers)).json()
    return {
        "{application_id}": applications["items"][0]["id"] if applications["items"] else "",
        "{claim_id}": claims[0]["id"],
        "{claimant_id}": claimants[0]["id"],
        "{country}": "SE",
        "{code}": f"{account}/statement",
    }


class TestEveryListPagesTheSameWay:
    async def test_walk_every_list(self, client: httpx.AsyncClient, auth: Auth) -> None:
        document = await _document(client)
        admin = await auth("admin-se")
        values = await _path_values(client, admin)
        walked = 0
        for template, item in document["paths"].items():
            if "get" not in item or not _is_list(document, item["get"]):
                continue
            path = template
            for name, value in values.items():
                path = path.replace(name, value)
            if "//" in path or "{" in path:
                continue  # no such record in the demo data (the document test covers it)
            user = next((u for p, u in _READER.items() if template.startswith(p)), "admin-se")
            headers = await auth(user)
            query = {"reference": f"claim:{values['{claim_id}']}"} if "transactions" in path else {}
            await _check_list(client, headers, path, query)
            walked += 1
        assert walked >= 20

    @pytest.mark.parametrize("after", ["not-a-cursor", "YXQ6LTE", "A" * 40, "0" * 39, "0" * 41])
    async def test_a_cursor_of_another_shape_is_the_same_422(
        self, client: httpx.AsyncClient, auth: Auth, after: str
    ) -> None:
        headers = await auth("admin-se")
        for path in ["/api/v1/claims", "/api/v1/return-assistance", "/api/v1/policies"]:
            response = await client.get(path, params={"after": after}, headers=headers)
            assert response.status_code == 422, path
            assert response.headers["content-type"].startswith(PROBLEM)
            assert [e["field"] for e in response.json()["errors"]] == ["after"], path

    @pytest.mark.parametrize("after", ["0" * 40, "f" * 40, "0123456789abcdef" * 2 + "0" * 8])
    async def test_every_cursor_of_the_documented_shape_is_a_position(
        self, client: httpx.AsyncClient, auth: Auth, after: str
    ) -> None:
        """Never handed out, yet a page (the one after that position, perhaps empty): what the
        document promises to a client that builds one from the pattern."""
        headers = await auth("admin-se")
        document = await _document(client)
        pattern = document["components"]["parameters"]["After"]["schema"]["pattern"]
        assert re.search(pattern, after)
        for path in ["/api/v1/claims", "/api/v1/return-assistance", "/api/v1/policies"]:
            response = await client.get(path, params={"after": after}, headers=headers)
            assert response.status_code == 200, (path, response.text)
            assert set(response.json()) == {"items", "next"}, path

    @pytest.mark.parametrize(
        ("path", "user", "end"),
        [
            ("/api/v1/claims", "admin-se", "f" * 40),  # oldest first: the highest position
            ("/api/v1/policies", "admin-se", "f" * 40),
            ("/api/v1/audit", "auditor", "0" * 40),  # newest first: the lowest sequence
        ],
    )
    async def test_past_the_end_is_an_empty_last_page(
        self, client: httpx.AsyncClient, auth: Auth, path: str, user: str, end: str
    ) -> None:
        response = await client.get(path, params={"after": end}, headers=await auth(user))
        assert response.status_code == 200, response.text
        assert response.json() == {"items": [], "next": None}
        assert "Link" not in response.headers


async def _check_list(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, query: dict[str, Any]
) -> None:
    whole = await client.get(path, params={**query, "limit": 200}, headers=headers)
    assert whole.status_code == 200, (path, whole.text)
    body = whole.json()
    assert set(body) >= {"items", "next"}, path
    for limit in (0, 201):
        refused = await client.get(path, params={**query, "limit": limit}, headers=headers)
        assert refused.status_code == 422, (path, limit)
    bad = await client.get(path, params={**query, "after": "bm90LWEtY3Vyc29y"}, headers=headers)
    assert bad.status_code == 422, path
    assert bad.json()["errors"][0]["field"] == "after", path
    built = await client.get(path, params={**query, "after": "0" * 40}, headers=headers)
    assert built.status_code == 200, (path, built.text)
    if len(body["items"]) < 2:
        assert "Link" not in whole.headers, path
        return
    first = await client.get(path, params={**query, "limit": 1}, headers=headers)
    page = first.json()
    assert len(page["items"]) == 1, path
    assert page["next"], path
    link = first.headers["Link"]
    assert link.endswith('>; rel="next"'), path
    assert f"after={page['next']}" in link, path
    second = await client.get(link[1 : link.index(">")], headers=headers)
    assert second.status_code == 200, path
    assert second.json()["items"][0] != page["items"][0], path
