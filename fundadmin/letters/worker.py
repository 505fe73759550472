"""A letters worker process, and the batch command that feeds and follows the queue."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import procrastinate
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from fundadmin.clock import Clock, clock_from_settings
from fundadmin.database import create_engine, create_session_factory
from fundadmin.letters.queue import (
    QUEUE,
    WorkerRuntime,
    job_statuses,
    queue_app,
    queue_pending_letters,
    retry_stalled_jobs,
    run_jobs_until_idle,
)
from fundadmin.logging import configure_logging
from fundadmin.privacy import jobs as privacy_jobs
from fundadmin.security.models import UserAccount
from fundadmin.security.principal import Role
from fundadmin.security.users import principal_of
from fundadmin.security.vault import vault_from_settings
from fundadmin.settings import Settings

FINISHED = frozenset({"succeeded", "failed", "cancelled", "aborted"})


class BatchRefused(RuntimeError):
    """The batch cannot be queued as asked (unknown user, or not an administrator there)."""


def worker_runtime(
    settings: Settings, engine: AsyncEngine, clock: Clock | None = None
) -> WorkerRuntime:
    """What a worker's jobs use, on `engine`; `clock` (default: from the settings) is the
    business clock."""
    return WorkerRuntime(
        sessions=create_session_factory(engine),
        vault=vault_from_settings(settings),
        clock=clock or clock_from_settings(settings),
        public_url=settings.public_url,
        stalled_after=settings.worker_stalled_seconds,
        erasure_log_path=settings.erasure_log_path,
    )


async def issue_queued_letters(settings: Settings, url: URL, clock: Clock | None = None) -> None:
    """Issue every letter waiting on the queue now, in this process, and return (tests, the
    benchmark)."""
    engine = create_engine(url, pool_size=2)
    app = queue_app(url)
    try:
        async with app.open_async():
            await run_jobs_until_idle(app, worker_runtime(settings, engine, clock))
    finally:
        await engine.dispose()


async def run_worker(settings: Settings, url: URL, *, concurrency: int = 1) -> None:
    """Take letter jobs and the nightly retention job until stopped (SIGINT or SIGTERM
    finish the jobs in hand first)."""
    configure_logging(settings.log_level)
    engine = create_engine(url, pool_size=concurrency + 1)
    runtime = worker_runtime(settings, engine)
    app = queue_app(url)
    try:
        async with app.open_async():
            # Jobs a dead worker held go back to the queue before this one starts taking jobs.
            await retry_stalled_jobs(app, stalled_after=settings.worker_stalled_seconds)
            await app.run_worker_async(
                queues=[QUEUE, privacy_jobs.QUEUE],
                concurrency=concurrency,
                additional_context={"runtime": runtime},
                update_heartbeat_interval=settings.worker_stalled_seconds / 3,
                stalled_worker_timeout=settings.worker_stalled_seconds,
                install_signal_handlers=True,
            )
    finally:
        await engine.dispose()


async def issue_batch(
    url: URL,
    country: str,
    username: str,
    *,
    progress: Callable[[int, int], None],
    poll_seconds: float = 0.5,
) -> dict[str, int]:
    """Queue every decided claim of `country` in `username`'s name, then report progress
    (done, total) until every job has finished; returns the count per final status."""
    engine = create_engine(url, pool_size=1)
    app = queue_app(url)
    try:
        async with create_session_factory(engine)() as session:
            user = await session.scalar(
                sa.select(UserAccount).where(UserAccount.username == username)
            )
            if user is None or not user.is_active:
                raise BatchRefused(f"no active user {username!r}")
            reach = principal_of(user).countries(Role.ADMINISTRATOR)
            if country not in reach and "*" not in reach:
                raise BatchRefused(f"{username} is not an administrator of {country}")
            async with app.open_async():
                job_ids = await queue_pending_letters(app, session, country, user.id)
                await session.rollback()
                return await _follow(app, job_ids, progress, poll_seconds)
    finally:
        await engine.dispose()


async def _follow(
    app: procrastinate.App,
    job_ids: Sequence[int],
    progress: Callable[[int, int], None],
    poll_seconds: float,
) -> dict[str, int]:
    while True:
        statuses = await job_statuses(app, job_ids)
        done = sum(1 for status in statuses.values() if status in FINISHED)
        progress(done, len(job_ids))
        if done == len(job_ids):
            counts: dict[str, int] = {}
            for status in statuses.values():
                counts[status] = counts.get(status, 0) + 1
            return counts
        await asyncio.sleep(poll_seconds)
