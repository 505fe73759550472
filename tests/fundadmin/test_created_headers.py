"""Every 201 names what it created in `Location`; a versioned record's 201 also carries its
`ETag`. The table is the contract: a new 201 in the document must be added here."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

VERSIONED = ["ETag", "Location"]
CREATED = ["Location"]
HEADERS_OF_201 = {
    "appropriations_record_appropriation": CREATED,
    "claimants_register": VERSIONED,
    "claimants_upload_mandate": VERSIONED,
    "claims_create": VERSIONED,
    "claims_request_information": VERSIONED,
    "claims_upload": VERSIONED,
    "confiscations_create": VERSIONED,
    "confiscations_realise": CREATED,
    "confiscations_release": CREATED,
    "grants_record_grant": CREATED,
    "ledger_create_account": CREATED,
    "ledger_record": VERSIONED,
    "ledger_record_batch": CREATED,
    "ledger_reverse": VERSIONED,
    "policies_enter": CREATED,
    "privacy_place_hold": VERSIONED,
    "privacy_request_erasure": VERSIONED,
    "recoveries_record_recovery": CREATED,
    "return_assistance_create": VERSIONED,
    "users_create": VERSIONED,
}


def _created(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation["responses"]["201"]
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "201" in operation.get("responses", {})
    }


async def test_every_201_is_in_the_table(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert sorted(_created(document)) == sorted(HEADERS_OF_201)


@pytest.mark.parametrize(("operation_id", "headers"), sorted(HEADERS_OF_201.items()))
async def test_the_document_declares_the_headers_of_each_201(
    client: httpx.AsyncClient, operation_id: str, headers: list[str]
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    declared = _created(document)[operation_id].get("headers", {})
    assert sorted(declared) == headers
    assert declared["Location"]["required"] is True
