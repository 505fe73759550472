"""Each country's published offence list, and the rules it carries: Norway's § 1 and what
changed in 2023, Latvia's higher share for a minor, and an unknown word that is refused rather
than silently changing the result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from policies import POLICIES, UnknownOffence, get_policy
from policies.errors import ParameterNotInForce
from tests.claims.conftest import claim_body, claimant_body
from tests.policies.factories import facts, non_material

Auth = Callable[[str], Awaitable[Any]]


class TestEveryCountryPublishesItsOffences:
    @pytest.mark.parametrize("country", sorted(POLICIES))
    def test_trafficking_is_on_every_list_with_a_legal_reference(self, country: str) -> None:
        offences = POLICIES[country].offences_on(date(2026, 1, 1))
        codes = [o.code for o in offences]
        assert "trafficking" in codes
        assert len(set(codes)) == len(codes)
        assert all(o.reference and o.name for o in offences)

    @pytest.mark.parametrize("country", sorted(POLICIES))
    def test_an_unknown_or_misspelt_offence_is_refused_naming_the_accepted(
        self, country: str
    ) -> None:
        policy = POLICIES[country]
        with pytest.raises(UnknownOffence) as error:
            policy.assess(
                facts(country, non_material(country, "1000"), offence="trafficing"),
                date(2023, 10, 1),
            )
        assert "trafficking" in error.value.accepted


class TestNorwaySection1:
    def _assess(self, offence: str) -> Any:
        return get_policy("NO").assess(
            facts(
                "NO",
                non_material("NO", "50000"),
                crime=date(2023, 3, 1),
                applied=date(2023, 9, 1),
                offence=offence,
                proceedings_end_date=date(2023, 6, 1),
            ),
            date(2023, 10, 1),
        )

    def test_trafficking_under_strl_257_is_covered(self) -> None:
        assessment = self._assess("trafficking")
        assert assessment.heads[0].proposed == Decimal("50000.00")
        assert "offence_not_covered" not in {f.code for f in assessment.findings}

    @pytest.mark.parametrize("offence", ["simple_assault", "simple_threats", "stalking"])
    def test_excluded_from_2023_the_claim_is_taken_and_nothing_proposed(self, offence: str) -> None:
        assessment = self._assess(offence)
        assert assessment.heads[0].proposed == 0
        finding = next(f for f in assessment.findings if f.code == "offence_not_covered")
        assert "2023" in finding.message

    def test_before_2023_no_list_is_in_force_an_explicit_error(self) -> None:
        with pytest.raises(ParameterNotInForce):
            get_policy("NO").offence("trafficking", date(2022, 12, 31))
        assert get_policy("NO").offence("trafficking", date(2023, 1, 1)).code == "trafficking"


class TestLatviaMinorShare:
    def _proposed(self, offence: str, *, minor: bool) -> Decimal:
        assessment = get_policy("LV").assess(
            facts(
                "LV",
                non_material("LV", "10000"),
                offence=offence,
                crime=date(2023, 3, 1),
                victim_recognition_date=date(2024, 6, 1),
                applied=date(2024, 7, 1),
                is_minor_at_crime=minor,
            ),
            date(2024, 9, 1),
        )
        return assessment.heads[0].proposed

    @pytest.mark.parametrize(
        ("offence", "adult", "child"),
        [
            # 5 x EUR 700 (2024) = 3 500: 50 % for an adult, 70 % or 90 % for a minor.
            ("moderate_bodily_injury", "1750.00", "2450.00"),
            ("infection", "1750.00", "2450.00"),
            ("sexual_integrity_violation", "1750.00", "3150.00"),
            ("trafficking", "3150.00", "3150.00"),
        ],
    )
    def test_the_same_injury_pays_a_minor_more(self, offence: str, adult: str, child: str) -> None:
        assert self._proposed(offence, minor=False) == Decimal(adult)
        assert self._proposed(offence, minor=True) == Decimal(child)


class TestOverHttp:
    async def test_the_policy_lists_its_offences(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        body = (
            await client.get(
                "/api/v1/policies/NO", params={"as_of": "2024-01-01"}, headers=await auth("auditor")
            )
        ).json()
        stalking = next(o for o in body["offences"] if o["code"] == "stalking")
        assert stalking["covered"] is False
        assert stalking["effective_from"] == "2023-01-01"

    async def test_a_dry_run_with_an_unknown_offence_is_422_naming_the_accepted(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        response = await client.post(
            "/api/v1/policies/FI/assess",
            json={
                "offence": "sexual_ofence",
                "crime_date": "2024-01-01",
                "application_date": "2024-06-01",
                "reported_to_police": True,
                "heads": [
                    {"category": "non_material", "amount_claimed": "5000", "currency": "EUR"}
                ],
                "as_of": "2024-09-01",
            },
            headers=await auth("adviser-pro"),
        )
        assert response.status_code == 422
        body = response.json()
        assert body["type"].endswith("/unknown-offence")
        assert "sexual_offence" in body["accepted_offences"]

    async def test_a_claim_naming_an_unknown_offence_is_422_and_nothing_is_stored(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        headers = await auth("adviser-marta")
        claimant = await client.post("/api/v1/claimants", json=claimant_body(), headers=headers)
        assert claimant.status_code == 201
        before = (await client.get("/api/v1/claims?limit=200", headers=headers)).json()["items"]
        body = claim_body(claimant.json()["id"], "LV", offence="fraud")
        response = await client.post("/api/v1/claims", json=body, headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "offence"
        listed = await client.get("/api/v1/claims?limit=200", headers=headers)
        assert listed.json()["items"] == before
