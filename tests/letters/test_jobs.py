"""Following a letter asked for: the 202 says where (`Link: <...>; rel="monitor"`), and the job's
resource answers queued, succeeded with the letter's place, or failed with why, to those who may
read the claim's letters; to anyone else it does not exist."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.api.letters import MAX_JOB_ID
from tests.claims.conftest import SECRET_NAME, Auth, Driver, LetterWorker, decision

PROBLEMS = "https://fundadmin.org/problems/"


@pytest.fixture
def driver(client: httpx.AsyncClient, auth: Auth, letter_worker: LetterWorker) -> Driver:
    return Driver(client, auth, letter_worker)


async def asked(driver: Driver) -> tuple[dict[str, Any], str]:
    """A decided Swedish claim whose letter was asked for, and where to follow its job."""
    claimant = await driver.register()
    claim = await driver.file(claimant["id"], "SE")
    claim = await driver.step(claim, "submit", "adviser-marta")
    claim = await driver.step(claim, "review", "admin-se")
    claim = await driver.step(claim, "assessment", "admin-se", {})
    claim = await driver.step(
        claim, "decision", "admin-se", decision("40000", "5000", "0"), money=True
    )
    response = await driver.call(
        "POST",
        f"/api/v1/claims/{claim['id']}/letter",
        "admin-se",
        json={},
        version=claim["version"],
        idempotency=True,
        expect=202,
    )
    link = re.fullmatch(r'<([^>]+)>; rel="monitor"', response.headers["Link"])
    assert link is not None
    assert response.json()["job"] == link.group(1)
    assert link.group(1) == f"/api/v1/claims/{claim['id']}/letter-jobs/{response.json()['job_id']}"
    return claim, link.group(1)


async def follow(driver: Driver, job: str, user: str = "adviser-marta") -> dict[str, Any]:
    body: dict[str, Any] = (await driver.call("GET", job, user)).json()
    return body


class TestFollow:
    async def test_queued_then_succeeded_with_the_letter_for_her_adviser_and_the_admin(
        self, driver: Driver, letter_worker: LetterWorker
    ) -> None:
        _, job = await asked(driver)
        queued = await follow(driver, job)
        assert (queued["state"], queued["attempts"]) == ("queued", 0)
        assert "letter" not in queued or queued["letter"] is None
        await letter_worker()
        for user in ("adviser-marta", "admin-se"):
            done = await follow(driver, job, user)
            assert done["state"] == "succeeded"
            pdf = await driver.call("GET", done["letter"], user)
            assert pdf.headers["content-type"] == "application/pdf"

    async def test_a_job_that_failed_says_so_without_her_data(
        self, driver: Driver, session: AsyncSession
    ) -> None:
        claim, job = await asked(driver)
        # Every attempt failed (the worker's retries spent): the queue marks the job failed.
        await session.execute(
            sa.text("UPDATE procrastinate_jobs SET status = 'failed', attempts = 5 WHERE id = :id"),
            {"id": int(job.rsplit("/", 1)[1])},
        )
        await session.commit()
        response = await driver.call("GET", job, "admin-se")
        failed = response.json()
        assert (failed["state"], failed["attempts"]) == ("failed", 5)
        assert failed["problem"]["type"] == PROBLEMS + "letter-job-failed"
        assert failed.get("letter") is None
        assert SECRET_NAME not in response.text
        assert claim["reference"] not in response.text
        assert (await driver.get(claim))["status"] == "decided"

    async def test_a_claim_appealed_before_the_worker_came_has_no_letter_and_says_why(
        self, driver: Driver, letter_worker: LetterWorker
    ) -> None:
        claim, job = await asked(driver)
        await driver.step(claim, "appeal", "adviser-marta", {"reason": "Wages proven."})
        await letter_worker()
        failed = await follow(driver, job)
        assert failed["state"] == "failed"
        assert failed["problem"]["type"] == PROBLEMS + "letter-not-issued"


class TestReach:
    async def test_another_organisation_or_country_and_unknown_jobs_get_404(
        self, driver: Driver
    ) -> None:
        claim, job = await asked(driver)
        for user in ("adviser-pro", "admin-lv"):
            response = await driver.call("GET", job, user, expect=404)
            assert response.headers["content-type"] == "application/problem+json"
        for unknown in ("999999999", str(MAX_JOB_ID)):
            await driver.call(
                "GET", f"/api/v1/claims/{claim['id']}/letter-jobs/{unknown}", "admin-se", expect=404
            )
        for invalid in ("0", str(MAX_JOB_ID + 1), str(2**63), "x"):
            response = await driver.client.get(
                f"/api/v1/claims/{claim['id']}/letter-jobs/{invalid}",
                headers=await driver.auth("admin-se"),
            )
            assert response.status_code in (404, 422), (invalid, response.status_code)
            assert response.headers["content-type"] == "application/problem+json"
        other, _ = await asked(driver)
        job_id = job.rsplit("/", 1)[1]
        await driver.call(
            "GET", f"/api/v1/claims/{other['id']}/letter-jobs/{job_id}", "admin-se", expect=404
        )

    async def test_auditors_and_ministries_are_refused(self, driver: Driver) -> None:
        _, job = await asked(driver)
        for user in ("auditor", "ministry-se"):
            await driver.call("GET", job, user, expect=403)


class TestDocumented:
    async def test_the_openapi_document_has_the_job_resource_and_the_monitor_link(
        self, client: httpx.AsyncClient
    ) -> None:
        document = (await client.get("/schema/openapi.json")).json()
        job = document["paths"]["/api/v1/claims/{claim_id}/letter-jobs/{job_id}"]["get"]
        assert {"200", "404"} <= set(job["responses"])
        view = document["components"]["schemas"]["LetterJobView"]
        assert view["properties"]["state"]["enum"] == ["queued", "doing", "succeeded", "failed"]
        ask = document["paths"]["/api/v1/claims/{claim_id}/letter"]["post"]
        assert "Link" in ask["responses"]["202"]["headers"]

    async def test_the_documented_bound_of_a_job_id_is_the_one_the_service_keeps(
        self, client: httpx.AsyncClient
    ) -> None:
        document = (await client.get("/schema/openapi.json")).json()
        job = document["paths"]["/api/v1/claims/{claim_id}/letter-jobs/{job_id}"]["get"]
        (bound,) = (p["schema"]["maximum"] for p in job["parameters"] if p["name"] == "job_id")
        # A client reads the bound as a float: it must name exactly the largest id accepted.
        assert float(bound) == MAX_JOB_ID
