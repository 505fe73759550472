"""Two administrators acting on one claim at the same moment: one wins, the other gets 412."""

from __future__ import annotations

import asyncio

from tests.claims.conftest import Driver, decision


class TestConcurrentWrites:
    async def test_only_one_of_two_simultaneous_writes_on_one_version_succeeds(
        self, driver: Driver
    ) -> None:
        claim = await driver.submitted()
        path = f"/api/v1/claims/{claim['id']}/review"

        async def review(user: str) -> int:
            headers = {**await driver.auth(user), "If-Match": f'"{claim["version"]}"'}
            response = await driver.client.post(
                path, json={"reason": f"taken by {user}"}, headers=headers
            )
            return response.status_code

        statuses = sorted(await asyncio.gather(review("admin-se"), review("admin2-se")))
        assert statuses == [200, 412]
        history = (
            await driver.call("GET", f"/api/v1/claims/{claim['id']}/history", "admin-se")
        ).json()["items"]
        assert [step["event"] for step in history] == ["submit", "start_review"]


class TestMoneyStepsCarryTheirETag:
    async def test_a_decision_and_its_replay_answer_with_the_new_version_as_etag(
        self, driver: Driver
    ) -> None:
        claim = await driver.assessed()
        headers = {"Idempotency-Key": "decision-etag-1"}
        path = f"/api/v1/claims/{claim['id']}/decision"
        body = decision("50000", "1000", "0")
        first = await driver.call(
            "POST", path, "admin-se", json=body, version=claim["version"], headers=headers
        )
        replay = await driver.call(
            "POST", path, "admin-se", json=body, version=claim["version"], headers=headers
        )
        assert first.headers["ETag"] == f'"{first.json()["version"]}"'
        assert replay.headers["ETag"] == first.headers["ETag"]
        assert first.json()["version"] > claim["version"]
