from __future__ import annotations

import httpx


class TestOpenApi:
    async def test_schema_document_lists_the_api(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/schema/openapi.json")
        assert response.status_code == 200
        document = response.json()
        assert document["openapi"].startswith("3.")
        assert "/api/v1/auth/token" in document["paths"]
        assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"

    async def test_browsable_documentation_is_served(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/schema")
        assert response.status_code == 200
        assert "text/html" in response.headers["content-type"]
        assert "swagger" in response.text.lower()
