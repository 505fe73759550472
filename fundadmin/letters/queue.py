"""Letters rendered by worker processes, fed by a job queue in the service's own PostgreSQL.

procrastinate keeps the jobs durable in the database (migration 0013): any number of
`fundadmin worker` processes, on any machines that reach it, take jobs; a job that fails is
retried with growing waits; a job whose worker died (no heartbeat) is put back in the queue by
the next worker that starts and by a periodic sweep. A job renders one claim's letter from a
read of the claim, then issues it in one short transaction (the letter stored, the claim's state
and its ledger booking changed, the audit lines appended; rendered again inside it only if the
claim changed meanwhile), and does nothing for a claim whose letter is already out, so a job
retried after its commit stores nothing twice.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import procrastinate
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from claims import PersonalDataVault
from claims.models import Claim
from claims.workflow import ClaimStatus
from fundadmin.clock import Clock
from fundadmin.database import unit_of_work
from fundadmin.letters.content import OverpaymentNotice
from fundadmin.letters.issuing import issue_and_audit, prepare_letter
from fundadmin.letters.service import next_version, store_overpayment_letter, verify_url
from fundadmin.privacy import jobs as privacy_jobs
from fundadmin.security.audit import write_audit
from fundadmin.security.models import UserAccount
from fundadmin.security.users import principal_of

QUEUE = "letters"
ISSUE_TASK = "letters.issue"
"""The task's name in the queue is `fundadmin:letters.issue` (the blueprint's namespace)."""
OVERPAYMENT_TASK = "letters.overpayment"
"""The letter telling her an overpayment was waived, or asking her to pay it back."""
RETRY = procrastinate.RetryStrategy(max_attempts=5, exponential_wait=2)
"""Five attempts, waiting 2, 4, 8, 16 seconds: enough for a database fail-over."""


@dataclass(frozen=True, slots=True)
class WorkerRuntime:
    """What a job needs, made once per worker process."""

    sessions: async_sessionmaker[AsyncSession]
    vault: PersonalDataVault
    clock: Clock
    public_url: str
    stalled_after: float
    """Seconds without a heartbeat after which a worker is taken as dead."""
    erasure_log_path: Path
    """Where the retention job appends the ids of the keys it destroyed."""


def queue_app(database_url: URL) -> procrastinate.App:
    """The queue on `database_url` (the service's database), with the letter tasks and the
    nightly retention job."""
    conninfo = database_url.set(drivername="postgresql").render_as_string(hide_password=False)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))
    app.add_tasks_from(letter_jobs(), namespace="fundadmin")
    app.add_tasks_from(privacy_jobs.retention_jobs(), namespace="fundadmin")
    return app


def letter_jobs() -> procrastinate.Blueprint:
    """A new blueprint for each app: adding one to an app renames its tasks in place, so a
    shared blueprint would give a second app in the same process doubly namespaced names."""
    jobs = procrastinate.Blueprint()
    jobs.task(name=ISSUE_TASK, queue=QUEUE, retry=RETRY, pass_context=True)(issue_letter_job)
    jobs.task(name=OVERPAYMENT_TASK, queue=QUEUE, retry=RETRY, pass_context=True)(
        overpayment_letter_job
    )
    sweep = jobs.task(name="letters.retry_stalled", queue=QUEUE, pass_context=True)(
        retry_stalled_sweep
    )
    jobs.periodic(cron="* * * * *", periodic_id="letters.retry_stalled")(sweep)
    return jobs


async def issue_letter_job(
    context: procrastinate.JobContext,
    *,
    claim_id: str,
    by: str,
    version: int | None = None,
    reason: str | None = None,
    letter_version: int | None = None,
) -> str:
    """Issue the letter of a decided claim as administrator `by` (a user id). With `version`
    (the claim's version when the letter was asked for over HTTP), only if the claim is still at
    it: a decision changed since is not the one the administrator asked to send.
    `letter_version` is the place in the claim's letters its asker was told of: the job's status
    resource looks there (`letter_job`); issuing takes the next free one."""
    del letter_version
    runtime: WorkerRuntime = context.additional_context["runtime"]
    async with runtime.sessions() as session:
        # Rendered before the issuing transaction: it posts to the country's fund account, whose
        # row lock every letter of that country waits for, so it must not last a rendering.
        user = await session.get(UserAccount, uuid.UUID(by))
        prepared = (
            await prepare_letter(
                session,
                principal_of(user),
                uuid.UUID(claim_id),
                vault=runtime.vault,
                public_url=runtime.public_url,
                now=runtime.clock.now(),
            )
            if user is not None and user.is_active
            else None
        )
    async with runtime.sessions() as session, unit_of_work(session):
        row = (
            await session.execute(
                sa.select(Claim.status, Claim.version)
                .where(Claim.id == uuid.UUID(claim_id))
                .with_for_update()
            )
        ).one_or_none()
        if row is None or row.status != ClaimStatus.DECIDED:
            return "nothing to do: the claim is not waiting for its letter"
        if version is not None and row.version != version:
            return "nothing to do: the claim changed since its letter was asked for"
        user = await session.get(UserAccount, uuid.UUID(by))
        if user is None or not user.is_active:
            return "nothing to do: the administrator who asked is no longer active"
        await issue_and_audit(
            session,
            principal_of(user),
            uuid.UUID(claim_id),
            vault=runtime.vault,
            public_url=runtime.public_url,
            now=runtime.clock.now(),
            expected_version=row.version,
            reason=reason or "issued by a letters worker",
            remote_addr=None,
            prepared=prepared,
        )
    return "issued"


@dataclass(frozen=True, slots=True)
class QueuedLetter:
    """A letter asked for and waiting for a worker."""

    job_id: int
    letter_version: int
    """The version the letter will have once issued (its place in `/letters`)."""


_PENDING_JOB = sa.text(
    "SELECT id FROM procrastinate_jobs WHERE task_name = :task AND status IN ('todo', 'doing') "
    "AND args ->> 'claim_id' = :claim_id ORDER BY id LIMIT 1"
)
_DEFER = sa.text(
    # procrastinate's own versioned function, as its App.defer would call it, but inside the
    # caller's transaction: the job exists exactly when the request that asked for it committed.
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(CAST(:queue AS varchar), "
    "CAST(:task AS varchar), 0, NULL, CAST(:queueing_lock AS text), CAST(:args AS jsonb), "
    "NULL)::procrastinate_job_to_defer_v1]))"
)


@dataclass(frozen=True, slots=True)
class LetterJob:
    """A claim's letter job as its asker may follow it."""

    status: str
    """procrastinate's: todo, doing, succeeded, failed, cancelled, aborting or aborted."""
    attempts: int
    """Attempts finished (a failed one is retried, see RETRY)."""
    letter_version: int | None
    """Where in the claim's letters it was to land; None for a job queued before it was kept."""


_LETTER_JOB = sa.text(
    "SELECT status::text AS status, attempts, args ->> 'letter_version' AS letter_version "
    "FROM procrastinate_jobs WHERE id = :id AND task_name = :task "
    "AND args ->> 'claim_id' = :claim_id"
)


async def letter_job(session: AsyncSession, claim_id: uuid.UUID, job_id: int) -> LetterJob | None:
    """The letter job `job_id` of the claim; None when there is none (or it was purged)."""
    row = (
        await session.execute(
            _LETTER_JOB,
            {"id": job_id, "task": f"fundadmin:{ISSUE_TASK}", "claim_id": str(claim_id)},
        )
    ).one_or_none()
    if row is None:
        return None
    version = None if row.letter_version is None else int(row.letter_version)
    return LetterJob(row.status, row.attempts, version)


async def pending_letter_job(session: AsyncSession, claim_id: uuid.UUID) -> int | None:
    """The job of the claim's letter waiting for a worker or being rendered, if any."""
    job_id = await session.scalar(
        _PENDING_JOB, {"task": f"fundadmin:{ISSUE_TASK}", "claim_id": str(claim_id)}
    )
    return None if job_id is None else int(job_id)


async def request_letter(
    session: AsyncSession, claim: Claim, *, by: uuid.UUID, reason: str | None
) -> QueuedLetter:
    """Queue the letter of `claim` (row-locked by the caller, checked issuable) in the caller's
    transaction; a letter already queued or being rendered is not queued again."""
    letter_version = await next_version(session, claim.id)
    pending = await pending_letter_job(session, claim.id)
    if pending is not None:
        return QueuedLetter(int(pending), letter_version)
    args = {
        "claim_id": str(claim.id),
        "by": str(by),
        "version": claim.version,
        "reason": reason,
        "letter_version": letter_version,
    }
    job_id = await session.scalar(
        _DEFER,
        {
            "queue": QUEUE,
            "task": f"fundadmin:{ISSUE_TASK}",
            "queueing_lock": f"letter:{claim.id}",
            "args": json.dumps(args),
        },
    )
    assert job_id is not None
    return QueuedLetter(int(job_id), letter_version)


async def overpayment_letter_job(
    context: procrastinate.JobContext,
    *,
    claim_id: str,
    kind: str,
    amount: str,
    claim_version: int,
    by: str,
    waived: str = "0",
) -> str:
    """Issue the overpayment letter (`kind`) the claim's step at `claim_version` called for;
    nothing when it is already stored (a retry after the commit)."""
    runtime: WorkerRuntime = context.additional_context["runtime"]
    async with runtime.sessions() as session, unit_of_work(session):
        claim = await session.scalar(
            sa.select(Claim).where(Claim.id == uuid.UUID(claim_id)).with_for_update()
        )
        user = await session.get(UserAccount, uuid.UUID(by))
        if claim is None or user is None:
            return "nothing to do: the claim or the administrator is gone"
        now = runtime.clock.now()
        notice = OverpaymentNotice(
            kind=kind,
            claim_id=claim.id,
            claim_reference=claim.reference,
            claimant_id=claim.claimant_id,
            country=claim.country,
            currency=claim.currency,
            amount=Decimal(amount),
            waived=Decimal(waived),
            # The languages of her decision letter, which told her of the overpayment.
            languages=tuple(claim.letter_languages or ()) or ("en",),
            issued_at=now,
        )
        letter = await store_overpayment_letter(
            session,
            runtime.vault,
            notice,
            claim_version=claim_version,
            verify_url=verify_url(runtime.public_url),
        )
        if letter is None:
            return "nothing to do: the letter is already issued"
        await write_audit(
            session,
            principal=principal_of(user),
            action="claim.letter.issue",
            subject_type="claim",
            subject_id=str(claim.id),
            details={
                "version": letter.version,
                "kind": kind,
                "sha256": letter.sha256,
                "verification_code": letter.verification_code,
            },
        )
    return "issued"


async def with_overpayment_letter(
    session: AsyncSession,
    by: uuid.UUID,
    claim_id: uuid.UUID,
    step: Callable[[], Awaitable[Claim]],
) -> Claim:
    """Run an overpayment `step` (a decision on it, a waiver's confirmation), then queue in the
    same transaction the letter it calls for: a waiver of all she owes tells her she owes nothing
    more; a decision to recover (or a waiver of a part) asks her to pay back what she owes."""
    waived_before = await session.scalar(
        sa.select(Claim.overpayment_waived).where(Claim.id == claim_id)
    )
    claim = await step()
    waived = claim.overpayment_waived - (waived_before or Decimal(0))
    if claim.overpayment_decision == "recover" and claim.overpayment_owed > 0:
        # Asked back, perhaps after waiving a part: one letter says both.
        kind, amount = "repayment_plan", claim.overpayment_owed
    elif waived > 0:
        kind, amount = "overpayment_waiver", waived
    else:
        return claim  # a waiver waiting for its second administrator, or one sent back
    args = {
        "claim_id": str(claim.id),
        "kind": kind,
        "amount": str(amount),
        "waived": str(waived),
        "claim_version": claim.version,
        "by": str(by),
    }
    await session.scalar(
        _DEFER,
        {
            "queue": QUEUE,
            "task": f"fundadmin:{OVERPAYMENT_TASK}",
            "queueing_lock": f"{kind}:{claim.id}:{claim.version}",
            "args": json.dumps(args),
        },
    )
    return claim


async def retry_stalled_jobs(app: procrastinate.App, *, stalled_after: float) -> int:
    """Put back in the queue the jobs of workers silent for `stalled_after` seconds."""
    stalled = list(
        await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after, queue=QUEUE)
    )
    for job in stalled:
        await app.job_manager.retry_job(job)
    return len(stalled)


async def retry_stalled_sweep(context: procrastinate.JobContext, timestamp: int) -> int:
    """Every minute, one live worker puts back the jobs of dead ones."""
    del timestamp  # procrastinate passes the schedule's time; the sweep does not need it
    runtime: WorkerRuntime = context.additional_context["runtime"]
    return await retry_stalled_jobs(context.app, stalled_after=runtime.stalled_after)


async def queue_pending_letters(
    app: procrastinate.App, session: AsyncSession, country: str, by: uuid.UUID
) -> Sequence[int]:
    """One job per decided claim of `country`; a claim already queued is not queued twice."""
    claim_ids = (
        await session.scalars(
            sa.select(Claim.id)
            .where(Claim.country == country, Claim.status == ClaimStatus.DECIDED)
            .order_by(Claim.id)
        )
    ).all()
    job_ids = []
    for claim_id in claim_ids:
        try:
            job_ids.append(
                await app.configure_task(
                    f"fundadmin:{ISSUE_TASK}", queue=QUEUE, queueing_lock=f"letter:{claim_id}"
                ).defer_async(
                    claim_id=str(claim_id),
                    by=str(by),
                    letter_version=await next_version(session, claim_id),
                )
            )
        except procrastinate.exceptions.AlreadyEnqueued:
            continue
    return job_ids


async def job_statuses(app: procrastinate.App, job_ids: Sequence[int]) -> dict[int, str]:
    rows: list[dict[str, Any]] = await app.connector.execute_query_all_async(
        "SELECT id, status::text FROM procrastinate_jobs WHERE id = ANY(%(ids)s)",
        ids=list(job_ids),
    )
    return {row["id"]: row["status"] for row in rows}


async def run_jobs_until_idle(app: procrastinate.App, runtime: WorkerRuntime) -> None:
    """Take the letter jobs waiting now, one after another, and return when none is left (tests
    and the benchmark run a worker in their own process this way)."""
    await app.run_worker_async(
        queues=[QUEUE],
        wait=False,
        concurrency=1,
        additional_context={"runtime": runtime},
        install_signal_handlers=False,
    )
