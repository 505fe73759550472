"""Non-material damage has sub-kinds, so a cap on one does not hit another: in Finland,
kärsimys (violation) and pain and suffering (kipu ja särky) have different caps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from policies import InvalidFacts, NonMaterialKind, get_policy
from policies.base import HeadCategory, HeadClaim
from tests.claims.conftest import claim_body, claimant_body
from tests.policies.factories import facts, non_material

Auth = Callable[[str], Awaitable[Any]]
V, P = NonMaterialKind.VIOLATION, NonMaterialKind.PAIN_AND_SUFFERING


def finnish(*heads: HeadClaim, offence: str = "trafficking", as_of: date) -> list[Decimal]:
    assessment = get_policy("FI").assess(
        facts("FI", *heads, offence=offence, crime=date(2017, 3, 1), applied=date(2017, 9, 1)),
        as_of,
    )
    return [h.proposed for h in assessment.heads]


class TestFinlandCapsByKind:
    def test_each_kind_meets_its_own_cap(self) -> None:
        # 2018 caps: kärsimys 3 600, pain and suffering 12 000; the 220 deductible first.
        proposed = finnish(
            non_material("FI", "10000", V), non_material("FI", "20000", P), as_of=date(2019, 1, 1)
        )
        assert proposed == [Decimal("3600.00"), Decimal("12000.00")]

    def test_a_head_without_a_kind_is_karsimys_as_before(self) -> None:
        assert finnish(non_material("FI", "10000"), as_of=date(2019, 1, 1)) == [Decimal("3600.00")]

    def test_pain_below_its_cap_is_not_cut_to_the_karsimys_cap(self) -> None:
        assert finnish(non_material("FI", "8000", P), as_of=date(2019, 1, 1)) == [
            Decimal("7780.00")
        ]

    def test_before_2018_no_figure_is_known_and_the_finding_says_so(self) -> None:
        assessment = get_policy("FI").assess(
            facts(
                "FI",
                non_material("FI", "20000", P),
                crime=date(2016, 3, 1),
                applied=date(2016, 9, 1),
            ),
            date(2017, 12, 31),
        )
        assert "cap_unknown" in {f.code for f in assessment.findings}

    def test_a_kind_on_withheld_earnings_is_refused(self) -> None:
        head = HeadClaim(HeadCategory.WITHHELD_EARNINGS, Decimal(1), "EUR", V)
        with pytest.raises(InvalidFacts):
            finnish(head, as_of=date(2019, 1, 1))


class TestOverHttp:
    async def test_a_dry_run_names_the_kind(self, client: httpx.AsyncClient, auth: Auth) -> None:
        response = await client.post(
            "/api/v1/policies/FI/assess",
            json={
                "offence": "trafficking",
                "crime_date": "2017-03-01",
                "application_date": "2017-09-01",
                "reported_to_police": True,
                "heads": [
                    {
                        "category": "non_material",
                        "sub_kind": "pain_and_suffering",
                        "amount_claimed": "20000",
                        "currency": "EUR",
                    }
                ],
                "as_of": "2019-01-01",
            },
            headers=await auth("adviser-pro"),
        )
        assert response.status_code == 200, response.text
        assert response.json()["heads"][0]["proposed"] == "12000.00"

    async def test_a_claim_stores_a_non_material_kind_and_refuses_a_wrong_one(
        self, client: httpx.AsyncClient, auth: Auth
    ) -> None:
        headers = await auth("adviser-marta")
        claimant = (
            await client.post("/api/v1/claimants", json=claimant_body(), headers=headers)
        ).json()
        heads = [
            {
                "category": "non_material",
                "sub_kind": "pain_and_suffering",
                "amount_claimed": "1000",
                "currency": "SEK",
            }
        ]
        created = await client.post(
            "/api/v1/claims", json=claim_body(claimant["id"], heads=heads), headers=headers
        )
        assert created.status_code == 201, created.text
        assert created.json()["heads"][0]["sub_kind"] == "pain_and_suffering"
        heads[0]["sub_kind"] = "medical"
        refused = await client.post(
            "/api/v1/claims", json=claim_body(claimant["id"], heads=heads), headers=headers
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "heads[0].sub_kind"
