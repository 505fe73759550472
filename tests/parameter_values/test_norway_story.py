"""Issue 14's Norwegian story, over HTTP as its users: G lapsed on 2026-05-01, so the first claim
is decided by hand without a proposal (and the letter says so); after one administrator enters
the 2026 G with its source and a second confirms it, the next claim gets a proposal using it.

The G entered here is fictional on purpose: the test enters it in its own database only.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from claims import Actor, DecisionNotice, services
from fundadmin.security.models import UserAccount
from tests.claims.conftest import Driver, claimant_body
from tests.clock import NOW

FICTIONAL_G = "999999"
VALUES = "/api/v1/policies/NO/parameter-values"


def norwegian_claim(claimant_id: str) -> dict[str, Any]:
    return {
        "claimant_id": claimant_id,
        "country": "NO",
        "offence": "trafficking",
        "crime_date": "2025-03-01",
        "reported_to_police": True,
        "proceedings_end_date": "2026-06-01",
        "heads": [
            {"category": "non_material", "amount_claimed": "60000", "currency": "NOK"},
            {
                "category": "material_loss",
                "sub_kind": "medical",
                "amount_claimed": "15000",
                "currency": "NOK",
            },
        ],
    }


async def assessed_norwegian_claim(driver: Driver) -> dict[str, Any]:
    claimant = (
        await driver.call(
            "POST",
            "/api/v1/claimants",
            "adviser-rosa",
            json=claimant_body(),
            expect=201,
        )
    ).json()
    claim = (
        await driver.call(
            "POST",
            "/api/v1/claims",
            "adviser-rosa",
            json=norwegian_claim(claimant["id"]),
            expect=201,
        )
    ).json()
    claim = await driver.step(claim, "submit", "adviser-rosa")
    claim = await driver.step(claim, "review", "admin-no")
    return await driver.step(claim, "assessment", "admin-no", {})


class Renderer:
    def __init__(self) -> None:
        self.notices: list[DecisionNotice] = []

    async def render(self, notice: DecisionNotice) -> None:
        self.notices.append(notice)


async def _actor(sessions: async_sessionmaker[AsyncSession], username: str) -> Actor:
    async with sessions() as session:
        user = await session.scalar(sa.select(UserAccount).where(UserAccount.username == username))
    assert user is not None
    return Actor(user_id=user.id, organisation_id=None, administrator_countries=frozenset({"NO"}))


async def enter_g(
    driver: Driver, user: str = "admin-no", *, expect: int = 201, **overrides: Any
) -> Any:
    body = {
        "name": "grunnbelop",
        "effective_from": "2026-05-01",
        "value": FICTIONAL_G,
        "legal_source": "Fictional test regulation (test database only)",
        "source_document": "https://example.org/test-g-2026",
        **overrides,
    }
    response = await driver.call("POST", VALUES, user, json=body, expect=expect)
    if expect == 201:
        read = await driver.call("GET", response.headers["Location"], user)
        assert read.json() == response.json()
    return response


class TestNorwayFromSubmissionToPayment:
    async def test_decided_by_hand_then_assessed_with_the_entered_g(
        self, driver: Driver, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        # Readiness names Norway: its proposals are impossible today.
        ready = (await driver.client.get("/health/ready")).json()
        assert ready["proposals_impossible"] == {"NO": ["grunnbelop"]}
        detail = (await driver.call("GET", "/api/v1/policies/NO", "admin-no")).json()
        assert [lapse["name"] for lapse in detail["lapsing"]] == ["grunnbelop"]
        assert detail["lapsing"][0]["lapsed"] is True

        # Assessed without a proposal: the claim says why.
        claim = await assessed_norwegian_claim(driver)
        assert claim["status"] == "assessed"
        assert claim["no_proposal_code"] == "parameter-lapsed"
        assert "grunnbelop" in claim["no_proposal_reason"]
        assert [h["proposed"] for h in claim["heads"]] == [None, None]
        assessment = (
            await driver.call("GET", f"/api/v1/claims/{claim['id']}/assessment", "admin-no")
        ).json()
        assert assessment["no_proposal_code"] == "parameter-lapsed"
        assert assessment["proposed_total"] is None
        assert [f["code"] for f in assessment["findings"]] == ["no_proposal"]

        # Deciding by hand needs a reason for every head, even one awarded in full.
        no_reason = {
            "heads": [
                {"position": 0, "awarded": "60000", "reason": "Oppreisning on the evidence."},
                {"position": 1, "awarded": "15000"},
            ],
            "reason": "Decided by hand: G for 2026 not yet entered.",
        }
        problem = await driver.step(
            claim, "decision", "admin-no", no_reason, expect=422, money=True
        )
        assert problem["errors"][0]["field"] == "heads[1].reason"
        with_reasons = {
            "heads": [
                {"position": 0, "awarded": "60000", "reason": "Oppreisning on the evidence."},
                {"position": 1, "awarded": "15000", "reason": "Receipts for medical costs."},
            ],
            "reason": "Decided by hand: G for 2026 not yet entered.",
        }
        claim = await driver.step(claim, "decision", "admin-no", with_reasons, money=True)
        assert claim["status"] == "decided"

        # The letter says no proposal could be made, and why.
        renderer = Renderer()
        async with sessions() as session, session.begin():
            await services.issue_letter(
                session,
                await _actor(sessions, "admin-no"),
                uuid.UUID(claim["id"]),
                expected_version=claim["version"],
                now=NOW,
                renderer=renderer,
            )
        (notice,) = renderer.notices
        assert notice.no_proposal_reason is not None
        assert "grunnbelop" in notice.no_proposal_reason
        claim = await driver.get(claim, "admin-no")
        claim = await driver.step(
            claim,
            "payments",
            "admin-no",
            {"amount": "75000", "currency": "NOK", "paid_on": NOW.date().isoformat()},
            money=True,
        )
        assert claim["status"] == "paid"

        # One administrator enters the 2026 G with its source; it counts only once confirmed.
        entered = (await enter_g(driver)).json()
        assert entered["status"] == "pending"
        detail = (await driver.call("GET", "/api/v1/policies/NO", "admin-no")).json()
        assert detail["lapsing"][0]["lapsed"] is True
        await driver.call(
            "POST",
            f"{VALUES}/{entered['id']}/decision",
            "admin-no",
            json={"confirm": True},
            expect=403,
        )
        confirmed = (
            await driver.call(
                "POST", f"{VALUES}/{entered['id']}/decision", "admin2-no", json={"confirm": True}
            )
        ).json()
        assert confirmed["status"] == "confirmed"
        assert confirmed["decided_by"] == "admin2-no"

        # The policy shows the value's origin; nothing lapses within 60 days any more.
        detail = (await driver.call("GET", "/api/v1/policies/NO", "adviser-rosa")).json()
        g = next(p for p in detail["parameters"] if p["name"] == "grunnbelop")
        assert (g["value"], g["origin"], g["entered_by"], g["confirmed_by"]) == (
            FICTIONAL_G,
            "entered",
            "admin-no",
            "admin2-no",
        )
        assert g["effective_from"] == "2026-05-01"
        assert g["source_document"] == "https://example.org/test-g-2026"
        assert detail["lapsing"] == []
        cap = next(p for p in detail["parameters"] if p["name"] == "cap_g_multiple")
        assert (cap["origin"], cap["entered_by"]) == ("package", None)
        before = (
            await driver.call("GET", "/api/v1/policies/NO?as_of=2026-04-30", "adviser-rosa")
        ).json()
        g_before = next(p for p in before["parameters"] if p["name"] == "grunnbelop")
        assert (g_before["value"], g_before["origin"]) == ("130160", "package")
        assert (await driver.client.get("/health/ready")).json()["proposals_impossible"] == {}

        # The next Norwegian claim gets a proposal that uses the entered G.
        claim = await assessed_norwegian_claim(driver)
        assert claim["no_proposal_code"] is None
        assert [Decimal(h["proposed"]) for h in claim["heads"]] == [Decimal(60000), Decimal(15000)]
        assessment = (
            await driver.call("GET", f"/api/v1/claims/{claim['id']}/assessment", "admin-no")
        ).json()
        cap_steps = [s for s in assessment["heads"][0]["trace"] if s["rule"] == "cap_per_person"]
        assert FICTIONAL_G in cap_steps[0]["input"]


class TestEnteredValuesAreGuarded:
    async def test_only_the_countrys_administrators_enter_and_a_second_confirms(
        self, driver: Driver
    ) -> None:
        await enter_g(driver, "admin-se", expect=403)
        await enter_g(driver, "adviser-rosa", expect=403)
        problem = (await enter_g(driver, name="no_such_figure", expect=422)).json()
        assert problem["errors"][0]["field"] == "name"
        await enter_g(driver, value="12.5e3x", expect=422)
        await enter_g(driver, value=True, expect=422)
        await enter_g(driver, value="-1", expect=422)
        await enter_g(driver, effective_from="1900-05-01", expect=422)
        await enter_g(driver, legal_source="   ", expect=422)
        entered = (await enter_g(driver)).json()
        rejected = await driver.call(
            "POST",
            f"{VALUES}/{entered['id']}/decision",
            "admin2-no",
            json={"confirm": False},
            expect=422,
        )
        assert rejected.json()["errors"][0]["field"] == "reason"
        await driver.call(
            "POST",
            f"{VALUES}/{entered['id']}/decision",
            "admin-se",
            json={"confirm": True},
            expect=403,
        )
        done = (
            await driver.call(
                "POST",
                f"{VALUES}/{entered['id']}/decision",
                "admin2-no",
                json={"confirm": False, "reason": "The source is not the regulation."},
            )
        ).json()
        assert done["status"] == "rejected"
        await driver.call(
            "POST",
            f"{VALUES}/{entered['id']}/decision",
            "admin2-no",
            json={"confirm": True},
            expect=409,
        )
        listed = (await driver.call("GET", VALUES, "auditor")).json()["items"]
        assert [v["status"] for v in listed] == ["rejected"]

    async def test_a_share_that_breaks_the_sum_is_refused(self, driver: Driver) -> None:
        problem = (
            await enter_g(driver, name="confiscation_share_victims_fund", value="0.9", expect=422)
        ).json()
        assert problem["errors"][0]["field"] == "value"

    async def test_a_confirmed_value_cannot_change_even_by_direct_sql(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        entered = (await enter_g(driver)).json()
        await driver.call(
            "POST", f"{VALUES}/{entered['id']}/decision", "admin2-no", json={"confirm": True}
        )
        for statement in (
            "UPDATE parameter_value SET value = '\"1\"'",
            "UPDATE parameter_value SET status = 'pending', decided_by = NULL, decided_at = NULL",
            "DELETE FROM parameter_value",
        ):
            with pytest.raises(DBAPIError):
                async with session.begin():
                    await session.execute(sa.text(statement))
        audit = await session.scalars(
            sa.text(
                "SELECT action FROM audit_event WHERE subject_id = :id ORDER BY seq"
            ).bindparams(id=entered["id"])
        )
        assert list(audit) == ["parameter_value.enter", "parameter_value.confirm"]
