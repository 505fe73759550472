"""Constraints the server enforces are stated in the served document, so a request the document
calls valid is not refused for a rule it kept to itself (issue 13, Schemathesis ST202)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from fundadmin.api.openapi import BUSINESS_RULES_EXTENSION, NO_NUL_PATTERN
from fundadmin.api.reports import FIRST_OF_A_MONTH, MONTH_END_DAY, check_period
from fundadmin.errors import ProblemError
from ledger.schemas import MONEY_PATTERN
from tests.claims.conftest import Auth


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


class TestTheReportPeriodStatesWhatASchemaCan:
    """`from` and `to` carry patterns that every period the service accepts matches, and that
    refuse what it always refuses (before 2000, a day that cannot start or end a month)."""

    def test_every_accepted_period_matches_and_the_refused_edges_do_not(self) -> None:
        starts = [date(year, month, 1) for year in (2000, 2026, 9989) for month in range(1, 13)]
        for start in starts:
            end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
            end -= timedelta(days=1)
            check_period(start, end)  # accepted by the service ...
            assert re.search(FIRST_OF_A_MONTH, start.isoformat())  # ... and by the document
            assert re.search(MONTH_END_DAY, end.isoformat())
        for start in ("1999-12-01", "2000-01-02", "2026-02-15"):
            assert not re.search(FIRST_OF_A_MONTH, start)
            with pytest.raises(ProblemError):
                check_period(date.fromisoformat(start), date(2026, 12, 31))
        for end in ("1999-12-31", "2026-12-27", "2026-12-01"):
            assert not re.search(MONTH_END_DAY, end)
            with pytest.raises(ProblemError):
                check_period(date(2026, 12, 1), date.fromisoformat(end))

    async def test_the_served_parameters_carry_the_patterns(
        self, client: httpx.AsyncClient
    ) -> None:
        operation = (await _document(client))["paths"]["/api/v1/reports/allocation"]["get"]
        patterns = {p["name"]: p["schema"].get("pattern") for p in operation["parameters"]}
        assert (patterns["from"], patterns["to"]) == (FIRST_OF_A_MONTH, MONTH_END_DAY)


RULED = {
    ("get", "/api/v1/reports/allocation"),
    ("post", "/api/v1/claims"),
    ("post", "/api/v1/claimants/{claimant_id}/erasure-requests"),
    ("post", "/api/v1/ledger/transactions"),
    ("post", "/api/v1/ledger/transactions/batch"),
    ("post", "/api/v1/return-assistance"),
}
"""The operations that refuse some schema-valid requests for rules no schema can state."""


class TestRulesBeyondTheSchemaAreInTheDocument:
    async def test_exactly_these_operations_list_them_and_their_422_states_them(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await _document(client)
        ruled = {}
        for path, item in document["paths"].items():
            for method, operation in item.items():
                if BUSINESS_RULES_EXTENSION in operation:
                    ruled[method, path] = operation
        assert set(ruled) == RULED
        for operation in ruled.values():
            rules = operation[BUSINESS_RULES_EXTENSION]
            unprocessable = operation["responses"]["422"]
            assert unprocessable["$ref"] == "#/components/responses/Problem422"
            assert all(rule.rstrip(".") in unprocessable["description"] for rule in rules)
        claims = ruled["post", "/api/v1/claims"][BUSINESS_RULES_EXTENSION]
        assert any("`offence`" in rule for rule in claims)

    async def test_a_request_that_breaks_one_is_a_422_problem_naming_the_field(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        response = await client.get(
            "/api/v1/reports/allocation",
            params={"country": "SE", "from": "2026-01-01", "to": "2025-12-31"},
            headers=await auth("ministry-se"),
        )
        assert response.status_code == 422
        assert response.headers["Content-Type"] == "application/problem+json"
