"""The policies API through the real app: listing, parameters in force, dry-run assessments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

Auth = Callable[[str], Awaitable[Any]]

CLAIM = {
    "offence": "trafficking",
    "crime_date": "2024-01-01",
    "application_date": "2024-06-01",
    "reported_to_police": False,
    "heads": [
        {"category": "non_material", "amount_claimed": "250000", "currency": "SEK"},
        {
            "category": "material_loss",
            "sub_kind": "medical",
            "amount_claimed": "2000000",
            "currency": "SEK",
        },
    ],
    "prior_payments": [{"source": "insurance", "amount": "10000", "currency": "SEK"}],
    "as_of": "2025-03-01",
}


class TestListPolicies:
    async def test_the_eight_with_currency_and_authority(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        response = await client.get("/api/v1/policies", headers=await auth("ministry-se"))
        assert response.status_code == 200
        body = response.json()["items"]
        assert [p["code"] for p in body] == ["DK", "EE", "FI", "IS", "LT", "LV", "NO", "SE"]
        sweden = body[-1]
        assert sweden["currency"] == "SEK"
        assert sweden["authority"].startswith("Brottsoffermyndigheten")

    async def test_anonymous_callers_are_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/policies")
        assert response.status_code == 401


class TestPolicyParameters:
    async def test_parameters_in_force_with_sources_and_verified_flags(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        response = await client.get(
            "/api/v1/policies/no", params={"as_of": "2024-05-01"}, headers=await auth("auditor")
        )
        assert response.status_code == 200
        body = response.json()
        assert body["code"] == "NO"
        g = next(p for p in body["parameters"] if p["name"] == "grunnbelop")
        assert (g["value"], g["effective_from"], g["verified"]) == ("124028", "2024-05-01", False)
        assert g["source"]
        assert body["letter_languages"] == ["nb"]
        threshold = next(p for p in body["parameters"] if p["name"] == "second_approval_threshold")
        assert threshold["layer"] == "fund"

    async def test_a_lapsed_base_amount_is_shown_not_hidden(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        response = await client.get(
            "/api/v1/policies/NO", params={"as_of": "2026-06-01"}, headers=await auth("admin-se")
        )
        assert response.status_code == 200
        g = next(p for p in response.json()["parameters"] if p["name"] == "grunnbelop")
        assert g["lapsed"] is True

    async def test_an_unknown_country_is_a_404_problem(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        response = await client.get("/api/v1/policies/XX", headers=await auth("admin-se"))
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")

    async def test_a_date_before_the_first_parameters_is_a_422_problem(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        response = await client.get(
            "/api/v1/policies/NO", params={"as_of": "2019-01-01"}, headers=await auth("admin-se")
        )
        assert response.status_code == 422
        body = response.json()
        assert body["type"].endswith("/parameters-not-in-force")
        assert body["first_effective_from"] == "2020-05-01"


class TestDryRunAssessment:
    async def test_a_legal_adviser_gets_a_proposal_with_trace_and_findings(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        response = await client.post(
            "/api/v1/policies/SE/assess", json=CLAIM, headers=await auth("adviser-marta")
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert [h["proposed"] for h in body["heads"]] == ["240000.00", "1176000.00"]
        assert body["proposed_total"] == "1416000.00"
        assert body["requires_second_approval"] is True
        codes = {f["code"] for f in body["findings"]}
        assert {"police_report_missing", "cap_reached", "deduction_applied"} <= codes
        cap_step = next(s for s in body["heads"][1]["trace"] if s["rule"] == "cap_personal_injury")
        assert cap_step["layer"] == "statute"
        assert "§ 14" in cap_step["reference"]

    async def test_an_administrator_of_another_country_may_estimate(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        response = await client.post(
            "/api/v1/policies/SE/assess", json=CLAIM, headers=await auth("admin-lv")
        )
        assert response.status_code == 200

    @pytest.mark.parametrize("user", ["ministry-se", "auditor"])
    async def test_ministries_and_auditors_may_not_assess(
        self, client: httpx.AsyncClient, auth: Auth, user: str
    ) -> None:
        response = await client.post(
            "/api/v1/policies/SE/assess", json=CLAIM, headers=await auth(user)
        )
        assert response.status_code == 403

    async def test_a_head_in_another_currency_is_a_422_problem(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        claim = {
            **CLAIM,
            "heads": [{"category": "non_material", "amount_claimed": "1", "currency": "EUR"}],
        }
        response = await client.post(
            "/api/v1/policies/SE/assess", json=claim, headers=await auth("admin-se")
        )
        assert response.status_code == 422
        assert response.json()["type"].endswith("/currency-mismatch")

    async def test_personal_data_fields_are_refused(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        claim = {**CLAIM, "claimant_name": "Anna"}
        response = await client.post(
            "/api/v1/policies/SE/assess", json=claim, headers=await auth("admin-se")
        )
        assert response.status_code == 422
        assert "Anna" not in response.text

    async def test_a_negative_amount_is_a_422_problem(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        claim = {
            **CLAIM,
            "heads": [{"category": "non_material", "amount_claimed": "-5", "currency": "SEK"}],
        }
        response = await client.post(
            "/api/v1/policies/SE/assess", json=claim, headers=await auth("admin-se")
        )
        assert response.status_code == 422

    async def test_an_unknown_country_is_a_404_problem(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        response = await client.post(
            "/api/v1/policies/ZZ/assess", json=CLAIM, headers=await auth("admin-se")
        )
        assert response.status_code == 404
