"""Two administrators acting on one claim at the same moment: one wins, the other gets 412;
advisers of two organisations registering claimants at the same moment do not wait for each
other."""

from __future__ import annotations

import asyncio
import re

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import claims
from claims.schemas import ClaimantCreate, ClaimCreate
from fundadmin.security.models import UserAccount
from fundadmin.security.vault import vault_from_settings
from fundadmin.settings import Settings
from tests.claims.conftest import Driver, claim_body, claimant_body, decision
from tests.clock import NOW


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


class TestClaimantRegistrationsDoNotQueue:
    async def test_a_registration_commits_while_another_organisations_is_still_open(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings
    ) -> None:
        vault = vault_from_settings(settings)
        data = msgspec.convert(claimant_body(), ClaimantCreate)
        async with sessions() as open_one, sessions() as other:
            marta = await _adviser(open_one, "adviser-marta")
            rosa = await _adviser(other, "adviser-rosa")
            assert marta.organisation_id != rosa.organisation_id
            held = await claims.services.register_claimant(open_one, vault, marta, data, now=NOW)
            # Any lock the open registration still holds would refuse the other one at once.
            await other.execute(sa.text("SET LOCAL lock_timeout = '10ms'"))
            done = await claims.services.register_claimant(other, vault, rosa, data, now=NOW)
            await other.commit()
            await open_one.commit()
        assert held.reference != done.reference
        assert all(re.fullmatch(r"P-2026-\d{6}", r) for r in (held.reference, done.reference))

    async def test_references_of_simultaneous_registrations_are_unique(
        self, driver: Driver
    ) -> None:
        path, body = "/api/v1/claimants", claimant_body()
        registered = await asyncio.gather(
            *(driver.call("POST", path, "adviser-marta", json=body, expect=201) for _ in range(12))
        )
        assert len({response.json()["reference"] for response in registered}) == 12


class TestClaimNumbers:
    async def test_a_filing_commits_while_another_in_its_country_is_open_and_gaps_none(
        self, driver: Driver, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        claimant = (await driver.register())["id"]
        first = await driver.file(claimant)
        data = msgspec.convert(claim_body(claimant), ClaimCreate)
        async with sessions() as open_one, sessions() as other:
            marta = await _adviser(open_one, "adviser-marta")
            await claims.services.create_claim(open_one, marta, data, now=NOW)
            # A number taken before the commit would hold the country's counter: refused at once.
            await other.execute(sa.text("SET LOCAL lock_timeout = '10ms'"))
            done = await claims.services.create_claim(other, marta, data, now=NOW)
            await other.commit()
            await other.refresh(done, ["reference"])
            await open_one.rollback()
        last = await driver.file(claimant)
        references = [first["reference"], done.reference, last["reference"]]
        assert all(r.startswith("SE-2026-") for r in references)
        numbers = [int(r.rsplit("-", 1)[1]) for r in references]
        assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


async def _adviser(session: AsyncSession, username: str) -> claims.Actor:
    user = await session.scalar(sa.select(UserAccount).where(UserAccount.username == username))
    assert user is not None
    countries = frozenset(grant.country for grant in user.grants)
    return claims.Actor(
        user_id=user.id, organisation_id=user.organisation_id, adviser_countries=countries
    )
