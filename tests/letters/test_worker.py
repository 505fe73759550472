"""Letters rendered by `fundadmin worker` processes from the queue: a killed worker's job is
taken up by the next worker and the letter is issued exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fundadmin.letters.queue import ISSUE_TASK, QUEUE, job_statuses, queue_app
from fundadmin.settings import Settings
from tests.claims.conftest import Auth, Driver, LetterWorker, decision
from tests.http import FUNDADMIN

STALLED_SECONDS = 2


@pytest.fixture
def driver(client: httpx.AsyncClient, auth: Auth, letter_worker: LetterWorker) -> Driver:
    return Driver(client, auth, letter_worker)


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUNDADMIN_")}
    assert settings.database_url
    assert settings.jwt_private_keys
    assert settings.master_keys
    assert settings.fixed_now is not None
    env.update(
        DATABASE_URL=settings.database_url,
        FUNDADMIN_ENVIRONMENT="test",
        FUNDADMIN_DATA_DIR=str(settings.data_dir),
        FUNDADMIN_JWT_PRIVATE_KEYS=settings.jwt_private_keys.get_secret_value(),
        FUNDADMIN_MASTER_KEYS=settings.master_keys.get_secret_value(),
        FUNDADMIN_FIXED_NOW=settings.fixed_now.isoformat(),
        FUNDADMIN_WORKER_STALLED_SECONDS=str(STALLED_SECONDS),
        FUNDADMIN_LOG_LEVEL="INFO",
    )
    return env


class Workers:
    """`fundadmin worker` processes started by the test, always ended by it."""

    def __init__(self, settings: Settings) -> None:
        self.env = _env(settings)
        self.logs = settings.data_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = (self.logs / f"worker-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [FUNDADMIN, "worker"], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def output(self) -> str:
        return "\n".join(
            f"--- {path.name} (exit {p.poll()}):\n{path.read_text(errors='replace')}"
            for p, path in zip(self.processes, sorted(self.logs.glob("worker-*.log")), strict=False)
        )

    def end_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
def workers(settings: Settings) -> Iterator[Workers]:
    running = Workers(settings)
    yield running
    running.end_all()


async def decided(driver: Driver) -> dict[str, Any]:
    claimant = await driver.register()
    claim = await driver.file(claimant["id"], "SE")
    claim = await driver.step(claim, "submit", "adviser-marta")
    claim = await driver.step(claim, "review", "admin-se")
    claim = await driver.step(claim, "assessment", "admin-se", {})
    return await driver.step(
        claim, "decision", "admin-se", decision("40000", "5000", "0"), money=True
    )


async def _wait_for(
    app: Any, job_id: int, wanted: str, workers: Workers, seconds: float = 120
) -> None:
    deadline = time.monotonic() + seconds
    status = None
    while time.monotonic() < deadline:
        status = (await job_statuses(app, [job_id])).get(job_id)
        if status == wanted:
            return
        await asyncio.sleep(0.2)
    rows = await app.connector.execute_query_all_async(
        "SELECT j.id, j.status::text, j.queue_name, j.lock, j.priority, j.worker_id, j.attempts, "
        "(SELECT string_agg(e.type::text, ',' ORDER BY e.id) FROM procrastinate_events e "
        " WHERE e.job_id = j.id) AS events FROM procrastinate_jobs j WHERE j.id = %(id)s",
        id=job_id,
    )
    pytest.fail(
        f"job {job_id} is {status}, never {wanted}; jobs {rows}; workers said:\n{workers.output()}"
    )


class TestKilledWorker:
    async def test_an_asked_letters_job_is_retried_by_the_next_worker_and_issued_once(
        self,
        driver: Driver,
        workers: Workers,
        database_url: URL,
        sessions: async_sessionmaker[AsyncSession],
    ) -> None:
        claim = await decided(driver)
        asked = await driver.call(
            "POST",
            f"/api/v1/claims/{claim['id']}/letter",
            "admin-se",
            json={},
            version=claim["version"],
            idempotency=True,
            expect=202,
        )
        job_id = asked.json()["job_id"]
        app = queue_app(database_url)
        async with app.open_async(), sessions() as blocker:
            # Hold the claim's row, so the first worker's job is caught mid-way, in `doing`.
            await blocker.execute(
                sa.text("SELECT 1 FROM claim WHERE id = :id FOR UPDATE"), {"id": claim["id"]}
            )
            first = workers.start()
            await _wait_for(app, job_id, "doing", workers)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
            await blocker.rollback()

            await asyncio.sleep(STALLED_SECONDS + 1)
            workers.start()
            await _wait_for(app, job_id, "succeeded", workers)

        claim = await driver.get(claim)
        assert claim["status"] == "letter_issued"
        async with sessions() as session:
            letters = (
                await session.execute(
                    sa.text("SELECT version FROM claim_letter WHERE claim_id = :id"),
                    {"id": claim["id"]},
                )
            ).all()
            issued_lines = await session.scalar(
                sa.text(
                    "SELECT count(*) FROM audit_event WHERE subject_id = :id "
                    "AND action = 'claim.letter.issue'"
                ),
                {"id": claim["id"]},
            )
        assert [row.version for row in letters] == [1]
        assert issued_lines == 1

    async def test_a_job_for_a_claim_already_issued_renders_nothing(
        self, driver: Driver, workers: Workers, database_url: URL
    ) -> None:
        claim = await decided(driver)
        claim = await driver.issue_letter(claim)
        app = queue_app(database_url)
        async with app.open_async():
            job_id = await app.configure_task(f"fundadmin:{ISSUE_TASK}", queue=QUEUE).defer_async(
                claim_id=claim["id"], by=str(uuid.uuid4())
            )
            workers.start()
            await _wait_for(app, job_id, "succeeded", workers)
        letters = await driver.call("GET", f"/api/v1/claims/{claim['id']}/letters", "admin-se")
        assert [x["version"] for x in letters.json()["items"]] == [1]


def test_the_worker_command_exists() -> None:
    result = subprocess.run(
        [FUNDADMIN, "worker", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "job queue" in result.stdout
    assert Path(FUNDADMIN).exists()


class TestBatchIssue:
    async def test_letters_issue_queues_the_countrys_decided_claims_and_waits_for_them(
        self, driver: Driver, workers: Workers
    ) -> None:
        claims = [await decided(driver), await decided(driver)]
        workers.start()
        result = await asyncio.to_thread(
            subprocess.run,
            [FUNDADMIN, "letters", "issue", "--country", "SE", "--as", "admin-se"],
            env=workers.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr + workers.output()
        assert result.stdout.strip().endswith("2 succeeded")
        for claim in claims:
            assert (await driver.get(claim))["status"] == "letter_issued"

    def test_refuses_someone_who_is_not_an_administrator_there(self, workers: Workers) -> None:
        result = subprocess.run(
            [FUNDADMIN, "letters", "issue", "--country", "SE", "--as", "admin-lv"],
            env=workers.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 1
        assert "admin-lv is not an administrator of SE" in result.stderr
