"""The retention job runs on the job queue: a `fundadmin worker` takes it (nightly, or deferred),
erases what is due as of the business clock, skips a legal hold and reports counts only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.letters.queue import job_statuses, queue_app
from fundadmin.privacy.jobs import NIGHTLY, QUEUE, RETENTION_TASK
from fundadmin.settings import Settings
from tests.letters.test_worker import Workers
from tests.privacy.conftest import Privacy
from tests.privacy.test_retention import (
    PAST_THE_PERIOD,
    _closed_after_rejection,
    _status,
    _withdrawn_under_hold,
)


@pytest.fixture
def later_workers(settings: Settings) -> Iterator[Workers]:
    """Workers whose business clock is past every retention period of today's claims."""
    assert settings.fixed_now is not None
    running = Workers(
        settings.model_copy(update={"fixed_now": settings.fixed_now + PAST_THE_PERIOD})
    )
    yield running
    running.end_all()


async def _finished(app: Any, job_id: int, workers: Workers, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = (await job_statuses(app, [job_id])).get(job_id)
        if status in ("succeeded", "failed"):
            return status
        await asyncio.sleep(0.2)
    pytest.fail(f"job {job_id} never finished; workers said:\n{workers.output()}")


class TestRetentionOnTheQueue:
    def test_it_is_scheduled_every_night(self, database_url: URL) -> None:
        app = queue_app(database_url)
        [task] = [
            p
            for p in app.periodic_registry.periodic_tasks.values()
            if p.task.name == f"fundadmin:{RETENTION_TASK}"
        ]
        assert (task.cron, task.task.queue) == (NIGHTLY, QUEUE)

    async def test_a_worker_erases_what_is_due_and_skips_a_hold(
        self,
        privacy: Privacy,
        later_workers: Workers,
        database_url: URL,
        settings: Settings,
        session: AsyncSession,
    ) -> None:
        closed = await _closed_after_rejection(privacy)
        held, _ = await _withdrawn_under_hold(privacy)
        app = queue_app(database_url)
        async with app.open_async():
            job_id = await app.configure_task(
                f"fundadmin:{RETENTION_TASK}", queue=QUEUE
            ).defer_async(timestamp=0)
            later_workers.start()
            status = await _finished(app, job_id, later_workers)
        assert status == "succeeded", later_workers.output()

        assert await _status(privacy, closed) == 410
        assert await _status(privacy, held) == 200
        report = (await privacy.call("GET", "/api/v1/retention/runs", "auditor")).json()
        [run] = report["items"]
        assert run["held"] == 1
        assert run["erased"] >= 1
        assert run["ran_at"].startswith(str((settings.fixed_now + PAST_THE_PERIOD).date()))
        # The destroyed key's id is in the erasure log, so a restore cannot bring it back.
        subject = await session.scalar(
            sa.text("SELECT subject_id FROM claimant WHERE id = :id"), {"id": closed["id"]}
        )
        assert str(subject) in settings.erasure_log_path.read_text().split()
