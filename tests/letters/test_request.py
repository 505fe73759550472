"""Asking for a letter over HTTP: 202 at once, the letter rendered by a worker (here in the test's
own process), and the claim moved on once, when the letter is stored; a retried or repeated
request queues nothing twice, and a refused one queues nothing at all."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tests.claims.conftest import Auth, Driver, LetterWorker, decision

LETTERS = "/api/v1/claims/{id}/letters"


@pytest.fixture
def driver(client: httpx.AsyncClient, auth: Auth, letter_worker: LetterWorker) -> Driver:
    return Driver(client, auth, letter_worker)


async def decided(driver: Driver) -> dict[str, Any]:
    claimant = await driver.register()
    claim = await driver.file(claimant["id"], "SE")
    claim = await driver.step(claim, "submit", "adviser-marta")
    claim = await driver.step(claim, "review", "admin-se")
    claim = await driver.step(claim, "assessment", "admin-se", {})
    return await driver.step(
        claim, "decision", "admin-se", decision("40000", "5000", "0"), money=True
    )


async def ask(
    driver: Driver,
    claim: dict[str, Any],
    *,
    key: str | None = None,
    user: str = "admin-se",
    version: int | None = None,
    expect: int = 202,
) -> httpx.Response:
    headers = {"Idempotency-Key": key or uuid.uuid4().hex}
    response: httpx.Response = await driver.call(
        "POST",
        f"/api/v1/claims/{claim['id']}/letter",
        user,
        json={"reason": "Decision confirmed."},
        version=claim["version"] if version is None else version,
        headers=headers,
        expect=expect,
    )
    return response


async def jobs_of(session: AsyncSession, claim: dict[str, Any]) -> int:
    return int(
        await session.scalar(
            sa.text(
                "SELECT count(*) FROM procrastinate_jobs "
                "WHERE task_name = 'fundadmin:letters.issue' AND args ->> 'claim_id' = :id"
            ),
            {"id": claim["id"]},
        )
        or 0
    )


async def transitions(driver: Driver, claim: dict[str, Any]) -> list[str]:
    history = await driver.call("GET", f"/api/v1/claims/{claim['id']}/history", "admin-se")
    return [step["event"] for step in history.json()["items"]]


class TestAskForTheLetter:
    async def test_202_then_the_worker_issues_it_and_the_claim_moves_on_once(
        self, driver: Driver, letter_worker: LetterWorker
    ) -> None:
        claim = await decided(driver)
        response = await ask(driver, claim)
        where = f"/api/v1/claims/{claim['id']}/letters/1"
        assert response.headers["Location"] == where
        assert response.json()["letter_version"] == 1
        assert response.json()["letter"] == where
        # Nothing is issued in the request: the claim waits for the worker.
        assert (await driver.get(claim))["status"] == "decided"
        await driver.call("GET", where, "admin-se", expect=404)

        await letter_worker()

        issued = await driver.get(claim)
        assert issued["status"] == "letter_issued"
        assert issued["version"] == claim["version"] + 1
        [letter] = (await driver.call("GET", LETTERS.format(id=claim["id"]), "admin-se")).json()[
            "items"
        ]
        assert letter["version"] == 1
        pdf = await driver.call("GET", where, "adviser-marta")
        assert pdf.content.startswith(b"%PDF")
        assert (await transitions(driver, claim)).count("issue_letter") == 1
        # The request's reason is the step's reason in her claim's history.
        history = await driver.call("GET", f"/api/v1/claims/{claim['id']}/history", "admin-se")
        [step] = [s for s in history.json()["items"] if s["event"] == "issue_letter"]
        assert step["reason"] == "Decision confirmed."

    async def test_a_retry_with_the_same_key_replays_and_queues_nothing_more(
        self, driver: Driver, letter_worker: LetterWorker, session: AsyncSession
    ) -> None:
        claim = await decided(driver)
        key = uuid.uuid4().hex
        first = await ask(driver, claim, key=key)
        again = await ask(driver, claim, key=key)
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first.json()
        assert again.headers["Location"] == first.headers["Location"]
        assert await jobs_of(session, claim) == 1

        await letter_worker()
        later = await ask(driver, claim, key=key)
        assert later.json() == first.json()
        assert await jobs_of(session, claim) == 1
        assert (await transitions(driver, claim)).count("issue_letter") == 1

    async def test_asking_again_with_a_new_key_while_it_waits_answers_the_same_job(
        self, driver: Driver, letter_worker: LetterWorker, session: AsyncSession
    ) -> None:
        claim = await decided(driver)
        first = await ask(driver, claim)
        second = await ask(driver, claim)
        assert second.json()["job_id"] == first.json()["job_id"]
        assert await jobs_of(session, claim) == 1
        await letter_worker()
        letters = await driver.call("GET", LETTERS.format(id=claim["id"]), "admin-se")
        assert [x["version"] for x in letters.json()["items"]] == [1]
        # Issued: asking again is a step the workflow refuses.
        await ask(driver, await driver.get(claim), expect=409)


class TestRefused:
    async def test_without_if_match_428_stale_412_undecided_409_and_nothing_queued(
        self, driver: Driver, session: AsyncSession, auth: Auth
    ) -> None:
        claim = await decided(driver)
        missing = await driver.client.post(
            f"/api/v1/claims/{claim['id']}/letter",
            json={},
            headers={**await auth("admin-se"), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert missing.status_code == 428
        assert missing.headers["content-type"] == "application/problem+json"
        await ask(driver, claim, version=claim["version"] - 1, expect=412)
        undecided = await driver.assessed()
        await ask(driver, undecided, expect=409)
        assert await jobs_of(session, claim) == 0
        assert await jobs_of(session, undecided) == 0

    async def test_another_countrys_administrator_gets_404_and_queues_nothing(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim = await decided(driver)
        await ask(driver, claim, user="admin-lv", expect=404)
        await ask(driver, claim, user="adviser-marta", expect=403)
        assert await jobs_of(session, claim) == 0

    async def test_a_job_whose_claim_changed_since_the_request_issues_nothing(
        self, driver: Driver, letter_worker: LetterWorker, session: AsyncSession
    ) -> None:
        claim = await decided(driver)
        await ask(driver, claim)
        # The decision moves on before a worker takes the job (as a send-back and a new
        # decision would): the letter asked for is not the one to send now.
        await session.execute(
            sa.text("UPDATE claim SET version = version + 1 WHERE id = :id"), {"id": claim["id"]}
        )
        await session.commit()
        await letter_worker()
        assert (await driver.get(claim))["status"] == "decided"
        letters = await driver.call("GET", LETTERS.format(id=claim["id"]), "admin-se")
        assert letters.json()["items"] == []
