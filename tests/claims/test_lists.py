"""Each role's list: the administrator's review queue and the adviser's own claims."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from claims.models import Claim
from tests.claims.conftest import Driver
from tests.clock import NOW


class TestReviewQueue:
    async def test_filters_by_status_and_country_and_sorts_oldest_first(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        first = await driver.submitted("SE")
        second = await driver.submitted("SE")
        await driver.submitted("LV")
        # The first one has waited ten days.
        await session.execute(
            sa.update(Claim)
            .where(Claim.id == first["id"])
            .values(submitted_at=NOW - timedelta(days=10))
        )
        await session.commit()
        page = (
            await driver.call(
                "GET", "/api/v1/claims?status=submitted&country=SE&limit=200", "admin-se"
            )
        ).json()
        ids = [c["id"] for c in page["items"]]
        assert ids.index(first["id"]) < ids.index(second["id"])
        assert {c["country"] for c in page["items"]} == {"SE"}
        assert {c["status"] for c in page["items"]} == {"submitted"}
        aged = next(c for c in page["items"] if c["id"] == first["id"])
        assert aged["days_since_submission"] == 10

        old = (
            await driver.call("GET", "/api/v1/claims?older_than_days=7&limit=200", "admin-se")
        ).json()
        assert first["id"] in {c["id"] for c in old["items"]}
        assert second["id"] not in {c["id"] for c in old["items"]}

    async def test_pages_through_the_queue(self, driver: Driver) -> None:
        await driver.submitted("SE")
        await driver.submitted("SE")
        whole = (await driver.call("GET", "/api/v1/claims?limit=200", "admin-se")).json()
        first = (await driver.call("GET", "/api/v1/claims?limit=1", "admin-se")).json()
        one = (
            await driver.call("GET", f"/api/v1/claims?limit=1&after={first['next']}", "admin-se")
        ).json()
        assert [c["id"] for c in first["items"]] == [whole["items"][0]["id"]]
        assert [c["id"] for c in one["items"]] == [whole["items"][1]["id"]]

    async def test_newest_first_on_request(self, driver: Driver) -> None:
        older = await driver.submitted("SE")
        newer = await driver.submitted("SE")
        page = (
            await driver.call("GET", "/api/v1/claims?sort=-submitted_at&limit=2", "admin-se")
        ).json()
        assert [c["id"] for c in page["items"]] == [newer["id"], older["id"]]


class TestAdvisersClaims:
    async def test_she_sees_her_organisations_claims_in_every_country_drafts_included(
        self, driver: Driver
    ) -> None:
        claimant = await driver.register()
        draft = await driver.file(claimant["id"], "SE")
        latvian = await driver.file(claimant["id"], "LV")
        page = (
            await driver.call(
                "GET", f"/api/v1/claims?claimant_id={claimant['id']}", "adviser-marta"
            )
        ).json()
        assert {c["id"] for c in page["items"]} == {draft["id"], latvian["id"]}
        assert all(c["days_since_submission"] is None for c in page["items"])
