"""Constraints the server enforces are stated in the served document, so a request the document
calls valid is not refused for a rule it kept to itself (issue 13, Schemathesis ST202)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx

from fundadmin.api.openapi import NO_NUL_PATTERN
from ledger.schemas import MONEY_PATTERN


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def _strings(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _strings(item, f"{where}[{index}]")
    elif isinstance(schema, dict):
        if schema.get("type") == "string":
            yield where, schema
        for key, value in schema.items():
            yield from _strings(value, f"{where}.{key}")


class TestEveryTextStatesThatItHoldsNoNul:
    async def test_every_request_text_has_a_pattern_enumeration_or_binary_content(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await _document(client)
        texts = list(_strings(document["components"]["schemas"], "schemas"))
        for item in document["paths"].values():
            for operation in item.values():
                for parameter in operation.get("parameters", []):
                    if parameter.get("in") in {"query", "path"}:
                        texts += _strings(parameter.get("schema"), parameter["name"])
        unstated = [
            where
            for where, schema in texts
            if not {"pattern", "enum", "const"} & set(schema)
            and schema.get("format") != "binary"
            and not where.startswith("schemas.Problem")
        ]
        assert unstated == []
        assert sum(s.get("pattern") == NO_NUL_PATTERN for _, s in texts) > 50

    def test_the_pattern_refuses_nul_in_json_schema_and_python_alike(self) -> None:
        assert re.search(NO_NUL_PATTERN, "Anna Berzina")
        assert re.search(NO_NUL_PATTERN, "")
        assert not re.search(NO_NUL_PATTERN, "A\u0000B")
        assert NO_NUL_PATTERN == "^[^\\u0000]*$"  # ECMA-262 syntax, no raw NUL in the document


class TestSignInIsOneOfTwoPairs:
    async def test_the_document_offers_exactly_one_pair(self, client: httpx.AsyncClient) -> None:
        document = await _document(client)
        body = document["paths"]["/api/v1/auth/token"]["post"]["requestBody"]["content"]
        schema = body["application/json"]["schema"]
        schema = document["components"]["schemas"].get(
            schema.get("$ref", "").rpartition("/")[2], schema
        )
        pairs = [(sorted(s["required"]), s["additionalProperties"]) for s in schema["oneOf"]]
        assert pairs == [(["password", "username"], False), (["client_id", "client_secret"], False)]

    async def test_both_pairs_at_once_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/auth/token",
            json={"username": "a", "password": "b", "client_id": "c", "client_secret": "d"},
        )
        assert response.status_code == 422


class TestAPostingStatesItIsNeverZero:
    async def test_the_posting_amount_pattern_excludes_zero(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await _document(client)
        amount = document["components"]["schemas"]["PostingIn"]["properties"]["amount"]
        for zero in ("0", "0.0", "0.00"):
            assert re.search(MONEY_PATTERN, zero)
            assert not re.search(amount["pattern"], zero)
        for positive in ("0.01", "0.5", "1", "100.00"):
            assert re.search(amount["pattern"], positive)


class TestAMapOfTextsKeepsItsConstraints:
    async def test_exchange_rates_and_references_state_their_patterns(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await _document(client)
        transaction = document["components"]["schemas"]["TransactionIn"]["properties"]
        rates = transaction["exchange_rates"]["additionalProperties"]
        assert re.search(rates["pattern"], "11.4321")
        assert not re.search(rates["pattern"], "1e3")
        references = transaction["references"]
        assert references["propertyNames"]["pattern"] == "^[a-z][a-z0-9_]{0,29}$"
        assert references["additionalProperties"]["maxLength"] == 100


class TestARecoveryNamesAClaimOrACase:
    async def test_the_body_requires_a_claim_or_a_case_and_neither_is_refused(
        self, client: httpx.AsyncClient, auth: Any
    ) -> None:
        document = await _document(client)
        body = document["paths"]["/api/v1/recoveries"]["post"]["requestBody"]["content"]
        ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        schema = document["components"]["schemas"][ref]
        options = schema["anyOf"]
        assert [o["required"] for o in options] == [["claim_id"], ["case_reference"]]
        for option, (name, kind) in zip(
            options, (("claim_id", "string"), ("case_reference", "string")), strict=True
        ):
            # `null` does not name one: each option says its field is a text.
            assert option["properties"][name]["type"] == kind

        headers = {**await auth("admin-se"), "Idempotency-Key": "recovery-names-neither"}
        refused = await client.post(
            "/api/v1/recoveries",
            headers=headers,
            json={
                "country": "SE",
                "received_on": "2026-11-02",
                "amount": "1000.00",
                "currency": "SEK",
                "court_reference": "Stockholm tingsrätt B 1-26",
                "offender_name": "N.N.",
                "reference": "OCR 1",
            },
        )
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
