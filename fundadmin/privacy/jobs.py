"""The retention job on the service's job queue (procrastinate, migration 0013).

Every night one of the running `fundadmin worker` processes takes it (the schedule is kept in
the queue's own tables, so several workers never run the same night twice) and erases what is
due as of the business clock, exactly like `fundadmin privacy retention`: the report holds
counts only, legal holds are skipped, and the erased key ids go to the erasure log after the
commit. A run that fails is retried; a run that finds nothing due writes a report of zeros, so
the administrators' list of runs shows that the job is alive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import procrastinate

from fundadmin.privacy.commands import RetentionSummary, retain
from fundadmin.privacy.erasure_log import ErasureLog

if TYPE_CHECKING:
    from fundadmin.letters.queue import WorkerRuntime

QUEUE = "privacy"
RETENTION_TASK = "privacy.retention"
"""The task's name in the queue is `fundadmin:privacy.retention` (the blueprint's namespace)."""
NIGHTLY = "30 2 * * *"
"""02:30 UTC: a quiet hour for every country served (UTC+0 to UTC+3)."""


async def retention_job(context: procrastinate.JobContext, timestamp: int) -> str:
    """Erase what is due as of the business clock; `timestamp` is the schedule's, unused."""
    del timestamp
    runtime: WorkerRuntime = context.additional_context["runtime"]
    summary: RetentionSummary = await retain(
        runtime.sessions,
        runtime.vault,
        ErasureLog(runtime.erasure_log_path),
        now=runtime.clock.now(),
        dry_run=False,
    )
    return f"erased {summary.erased}, held {summary.held}, kept {summary.kept}"


def retention_jobs() -> procrastinate.Blueprint:
    """A new blueprint for each app (see `fundadmin.letters.queue.letter_jobs`)."""
    jobs = procrastinate.Blueprint()
    task = jobs.task(
        name=RETENTION_TASK,
        queue=QUEUE,
        # One run at a time: a run deferred while another is queued is not queued twice.
        queueing_lock=RETENTION_TASK,
        retry=procrastinate.RetryStrategy(max_attempts=3, exponential_wait=60),
        pass_context=True,
    )(retention_job)
    jobs.periodic(cron=NIGHTLY, periodic_id=RETENTION_TASK)(task)
    return jobs
