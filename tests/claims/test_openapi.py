"""The OpenAPI document describes every claims request and response with a typed schema."""

from __future__ import annotations

from litestar import Litestar


class TestClaimsOpenAPI:
    def test_every_claims_route_has_typed_bodies(self, app: Litestar) -> None:
        document = app.openapi_schema.to_schema()
        routes = {
            (path, method): operation
            for path, item in document["paths"].items()
            if path.startswith(("/api/v1/claims", "/api/v1/claimants"))
            for method, operation in item.items()
        }
        assert len(routes) >= 25
        for (path, method), operation in routes.items():
            success = next(v for k, v in operation["responses"].items() if k.startswith("2"))
            if "download" not in operation["operationId"].lower():
                assert "content" in success, (path, method)
            if method in {"post", "patch"}:
                assert "requestBody" in operation, (path, method)
        schemas = document["components"]["schemas"]
        assert {"Claim", "ClaimCreate", "DecisionRequest", "PaymentCreate", "Claimant"} <= set(
            schemas
        )
