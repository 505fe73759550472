"""The API's contract: the served OpenAPI document, the inputs it allows and the answers it gives
agree (issue 13). Every check goes through the real app and a real database."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest

from ledger.schemas import MONEY_PATTERN, POSITIVE_MONEY_PATTERN
from tests.claims.conftest import Driver, claim_body, claimant_body, decision
from tests.clock import NOW

DOCUMENT = "/schema/openapi.json"
PROBLEM = "application/problem+json"


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(DOCUMENT)
    assert response.status_code == 200
    return response.json()


def _operations(document: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        operation["operationId"]: (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }


class TestTheDocument:
    async def test_operation_ids_are_tag_and_handler(self, client: httpx.AsyncClient) -> None:
        operations = _operations(await _document(client))
        assert {"claims_decide", "claims_submit", "policies_assess", "ledger_record"} <= set(
            operations
        )
        for name, (_, _, operation) in operations.items():
            tag = operation["tags"][0].replace(" ", "_")
            assert name.startswith(f"{tag}_"), name
            assert " " not in name, name

    async def test_schema_titles_are_unique(self, client: httpx.AsyncClient) -> None:
        schemas = (await _document(client))["components"]["schemas"]
        titles = Counter(schema.get("title", name) for name, schema in schemas.items())
        assert [title for title, count in titles.items() if count > 1] == []

    async def test_steps_document_the_200_they_answer(
        self, client: httpx.AsyncClient, driver: Driver
    ) -> None:
        operations = _operations(await _document(client))
        for name in ["claims_submit", "claims_close", "claims_decide", "claims_pay"]:
            responses = operations[name][2]["responses"]
            assert "201" not in responses, name
            schema = responses["200"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Claim"}, name
        claim = await driver.submitted()
        assert claim["status"] == "submitted"  # the driver checked the 200

    async def test_every_error_is_the_shared_problem_schema(
        self, client: httpx.AsyncClient
    ) -> None:
        document = await _document(client)
        problem = {"$ref": "#/components/schemas/Problem"}
        for name, (method, _, operation) in _operations(document).items():
            responses = operation["responses"]
            assert "422" in responses, name
            for status, response in responses.items():
                if status.startswith("4"):
                    ref = response["$ref"].rsplit("/", 1)[1]
                    content = document["components"]["responses"][ref]["content"]
                    assert content == {PROBLEM: {"schema": problem}}, (name, status)
            if method != "get":
                assert {"400", "409", "415"} <= set(responses), name
            else:
                assert "400" not in responses, name

    async def test_headers_are_declared_and_required_where_required(
        self, client: httpx.AsyncClient
    ) -> None:
        operations = _operations(await _document(client))

        def header(name: str, header_name: str) -> dict[str, Any] | None:
            return next(
                (
                    p
                    for p in operations[name][2].get("parameters", [])
                    if p["in"] == "header" and p["name"] == header_name
                ),
                None,
            )

        for name in ["claims_decide", "claims_approve", "claims_issue_letter", "claims_pay"]:
            assert header(name, "Idempotency-Key")["required"] is True, name
            assert header(name, "If-Match")["required"] is True, name
            assert {"412", "428"} <= set(operations[name][2]["responses"]), name
        for name in ["ledger_record", "ledger_reverse", "ledger_post_pending"]:
            assert header(name, "Idempotency-Key")["required"] is True, name
        assert header("claims_submit", "Idempotency-Key") is None
        assert header("claims_read", "If-None-Match") is not None
        assert "304" in operations["claims_read"][2]["responses"]

    async def test_money_is_one_decimal_string_type(self, client: httpx.AsyncClient) -> None:
        schemas = (await _document(client))["components"]["schemas"]
        patterns = {
            schemas["PaymentCreate"]["properties"]["amount"]["pattern"],
            schemas["EstimateHeadIn"]["properties"]["amount_claimed"]["pattern"],
        }
        assert patterns == {MONEY_PATTERN}
        assert schemas["PaymentCreate"]["properties"]["amount"]["type"] == "string"
        # A posting moves a positive amount: the same decimal string without zero.
        posting = schemas["PostingIn"]["properties"]["amount"]["pattern"]
        assert posting == POSITIVE_MONEY_PATTERN
        for text in ["0.01", "0.5", "0.10", "1", "12.30", "999999999999.99", "0", "0.0", "0.00"]:
            positive = re.fullmatch(MONEY_PATTERN, text) is not None and float(text) > 0
            assert (re.fullmatch(posting, text) is not None) is positive, text

    async def test_documentation_works_offline(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/schema")
        assert page.status_code == 200
        assert "https://" not in page.text.split("<body>")[0]
        assert "/schema/assets/swagger-ui-bundle.js" in page.text
        script = await client.get("/schema/assets/swagger-ui-bundle.js")
        assert script.status_code == 200
        assert len(script.content) > 100_000

    async def test_allow_lists_the_methods_of_the_path(self, client: httpx.AsyncClient) -> None:
        path = f"/api/v1/claims/{uuid.uuid4()}/submit"
        refused = await client.delete(path)
        assert refused.status_code == 405
        assert refused.headers["content-type"] == PROBLEM
        assert set(refused.headers["allow"].replace(" ", "").split(",")) == {"POST", "OPTIONS"}
        options = await client.options(path)
        assert set(options.headers["allow"].replace(" ", "").split(",")) == {"POST", "OPTIONS"}


class TestStrictInput:
    @pytest.mark.parametrize("amount", [100.5, 62400, "1e3", " 100", "1_000", "-5", "1.234"])
    async def test_money_that_is_not_a_decimal_string_is_422(
        self, driver: Driver, amount: object
    ) -> None:
        claimant = await driver.register()
        body = claim_body(claimant["id"])
        body["heads"][0]["amount_claimed"] = amount
        response = await driver.call(
            "POST", "/api/v1/claims", "adviser-marta", json=body, expect=422
        )
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["errors"][0]["field"] == "heads[0].amount_claimed"

    @pytest.mark.parametrize("flag", [1, "1", "true"])
    async def test_booleans_are_json_booleans(self, driver: Driver, flag: object) -> None:
        claimant = await driver.register()
        body = claim_body(claimant["id"], reported_to_police=flag)
        await driver.call("POST", "/api/v1/claims", "adviser-marta", json=body, expect=422)

    async def test_a_nul_character_is_refused_and_nothing_is_stored(self, driver: Driver) -> None:
        body = claimant_body()
        body["personal"]["given_names"] = "A\u0000B"
        response = await driver.call(
            "POST", "/api/v1/claimants", "adviser-marta", json=body, expect=422
        )
        assert response.json()["type"].endswith("/unstorable-text")
        listed = await driver.call("GET", "/api/v1/claimants", "adviser-marta")
        assert all(item["reference"] for item in listed.json()["items"])

    @pytest.mark.parametrize(
        ("content", "content_type"),
        [
            (b'{"reason": "x"}', "text/plain"),
            (b"reason=x", "application/x-www-form-urlencoded"),
            (b'{"reason": "x"}', None),
        ],
    )
    async def test_a_body_that_is_not_json_is_415(
        self, driver: Driver, content: bytes, content_type: str | None
    ) -> None:
        claim = await driver.submitted()
        headers = {**await driver.auth("admin-se"), "If-Match": f'"{claim["version"]}"'}
        if content_type:
            headers["Content-Type"] = content_type
        response = await driver.client.post(
            f"/api/v1/claims/{claim['id']}/review", content=content, headers=headers
        )
        assert response.status_code == 415, response.text
        assert response.headers["content-type"] == PROBLEM
        assert (await driver.get(claim))["status"] == "submitted"

    async def test_an_unknown_query_parameter_is_422(self, driver: Driver) -> None:
        response = await driver.call("GET", "/api/v1/claims?statuss=paid", "admin-se", expect=422)
        assert response.json()["errors"] == [
            {"field": "statuss", "message": "not a parameter of this operation"}
        ]
        await driver.call("GET", "/api/v1/claims?status=submitted&status=paid", "admin-se")

    async def test_a_birth_date_in_the_future_is_422(self, driver: Driver) -> None:
        body = claimant_body()
        body["personal"]["birth_date"] = (NOW.date().replace(year=NOW.year + 1)).isoformat()
        response = await driver.call(
            "POST", "/api/v1/claimants", "adviser-marta", json=body, expect=422
        )
        assert response.headers["content-type"] == PROBLEM

    async def test_a_language_no_letter_is_written_in_is_422(self, driver: Driver) -> None:
        body = claimant_body(preferred_language="xx")
        await driver.call("POST", "/api/v1/claimants", "adviser-marta", json=body, expect=422)


class TestAnswersFitTogether:
    async def test_money_reads_the_same_at_the_currency_precision(self, driver: Driver) -> None:
        claimant = await driver.register()
        created = await driver.file(claimant["id"])
        read = await driver.get(created, "adviser-marta")
        assert created["heads"][0]["amount_claimed"] == "150000.00"
        assert read["heads"][0]["amount_claimed"] == "150000.00"
        assert created["claimed_total"] == read["claimed_total"] == "250000.50"
        assert read["paid_total"] == read["outstanding"] == "0.00"

    async def test_a_201_names_its_location_and_etag(self, driver: Driver) -> None:
        claimant = await driver.register()
        response = await driver.call(
            "POST",
            "/api/v1/claims",
            "adviser-marta",
            json=claim_body(claimant["id"]),
            expect=201,
        )
        claim = response.json()
        assert response.headers["location"] == f"/api/v1/claims/{claim['id']}"
        assert response.headers["etag"] == f'"{claim["version"]}"'
        read = await driver.call("GET", response.headers["location"], "adviser-marta")
        assert read.json()["id"] == claim["id"]

    async def test_an_upload_answers_the_claims_new_etag(self, driver: Driver) -> None:
        claim = await driver.submitted()
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        response = await driver.call(
            "POST",
            f"/api/v1/claims/{claim['id']}/documents",
            "adviser-marta",
            version=claim["version"],
            files={"file": ("receipt.pdf", pdf, "application/pdf")},
            expect=201,
        )
        after = await driver.get(claim, "adviser-marta")
        assert response.headers["etag"] == f'"{after["version"]}"'
        assert response.headers["location"].endswith(f"/documents/{response.json()['id']}")

    async def test_if_none_match_gives_304(self, driver: Driver) -> None:
        claim = await driver.submitted()
        headers = {**await driver.auth("admin-se"), "If-None-Match": f'"{claim["version"]}"'}
        response = await driver.client.get(f"/api/v1/claims/{claim['id']}", headers=headers)
        assert response.status_code == 304
        assert response.content == b""
        headers["If-None-Match"] = '"999"'
        response = await driver.client.get(f"/api/v1/claims/{claim['id']}", headers=headers)
        assert response.status_code == 200

    async def test_a_weak_etag_is_refused_on_if_match(self, driver: Driver) -> None:
        claim = await driver.submitted()
        headers = {**await driver.auth("admin-se"), "If-Match": f'W/"{claim["version"]}"'}
        response = await driver.client.post(
            f"/api/v1/claims/{claim['id']}/review", json={}, headers=headers
        )
        assert response.status_code == 412
        assert (await driver.get(claim))["status"] == "submitted"

    async def test_an_information_request_answers_the_request(self, driver: Driver) -> None:
        claim = await driver.step(await driver.submitted(), "review", "admin-se")
        response = await driver.call(
            "POST",
            f"/api/v1/claims/{claim['id']}/information-requests",
            "admin-se",
            json={"question": "Receipts, please."},
            version=claim["version"],
            expect=201,
        )
        asked = response.json()
        assert asked["question"] == "Receipts, please."
        assert response.headers["location"].endswith(f"/information-requests/{asked['id']}")
        read = await driver.call("GET", response.headers["location"], "admin-se")
        assert read.json()["id"] == asked["id"]
        claim = await driver.get(claim)
        assert response.headers["etag"] == f'"{claim["version"]}"'
        assert claim["status"] == "information_requested"


class TestAllowedEvents:
    async def test_each_caller_sees_what_she_can_do_now(self, driver: Driver) -> None:
        claim = await driver.submitted()
        as_adviser = await driver.get(claim, "adviser-marta")
        as_admin = await driver.get(claim, "admin-se")
        assert as_adviser["allowed_events"] == ["withdraw"]
        assert as_admin["allowed_events"] == ["start_review"]

        claim = await driver.step(claim, "review", "admin-se")
        claim = await driver.step(claim, "assessment", "admin-se", {})
        claim = await driver.step(
            claim, "decision", "admin-se", decision("150000", "20000.50", "0"), money=True
        )
        assert "confirm" not in claim["allowed_events"]  # the decider: four eyes
        assert "confirm" in (await driver.get(claim, "admin2-se"))["allowed_events"]
        claim = await driver.step(claim, "approvals", "admin2-se", {}, money=True)
        claim = await driver.issue_letter(claim)
        events = (await driver.get(claim, "admin-se"))["allowed_events"]
        assert "close" not in events  # money is owed
        assert {"pay_in_part", "pay_in_full"} <= set(events)
        assert (await driver.get(claim, "adviser-marta"))["allowed_events"] == ["appeal"]

    async def test_a_rejected_claim_offers_no_payment(self, driver: Driver) -> None:
        claim = await driver.step(await driver.submitted(), "review", "admin-se")
        claim = await driver.step(claim, "assessment", "admin-se", {})
        claim = await driver.step(
            claim, "decision", "admin-se", decision("0", "0", "0"), money=True
        )
        claim = await driver.issue_letter(claim)
        events = (await driver.get(claim, "admin-se"))["allowed_events"]
        assert "pay_in_full" not in events
        assert "pay_in_part" not in events
        assert "close" in events
        assert "withdraw" not in events

    async def test_the_readme_ledger_filter_finds_a_claims_entries(self, driver: Driver) -> None:
        claim = await driver.step(await driver.submitted(), "review", "admin-se")
        claim = await driver.step(claim, "assessment", "admin-se", {})
        claim = await driver.step(
            claim, "decision", "admin-se", decision("50000", "0", "0"), money=True
        )
        found = await driver.call(
            "GET", f"/api/v1/ledger/transactions?reference=claim:{claim['id']}", "admin-se"
        )
        assert [t["kind"] for t in found.json()["items"]] == ["award"]


class TestMergePatch:
    async def test_changing_her_phone_needs_nothing_else(self, driver: Driver) -> None:
        claimant = await driver.register()
        path = f"/api/v1/claimants/{claimant['id']}"
        changed = await driver.call(
            "PATCH",
            path,
            "adviser-marta",
            json={"personal": {"phone": "+46 70 111 11 11", "email": None}},
            version=claimant["version"],
            headers={"Content-Type": "application/merge-patch+json"},
        )
        personal = changed.json()["personal"]
        assert personal["phone"] == "+46 70 111 11 11"
        assert personal["email"] is None
        assert personal["given_names"] == claimant["personal"]["given_names"]
        assert personal["birth_date"] == claimant["personal"]["birth_date"]
        assert changed.headers["etag"] == f'"{claimant["version"] + 1}"'

    async def test_her_names_cannot_be_cleared(self, driver: Driver) -> None:
        claimant = await driver.register()
        await driver.call(
            "PATCH",
            f"/api/v1/claimants/{claimant['id']}",
            "adviser-marta",
            json={"personal": {"given_names": None}},
            version=claimant["version"],
            expect=422,
        )
