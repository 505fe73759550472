"""The work behind `fundadmin privacy` and the queued retention job, without click: the
retention run and re-applying erasures after a restore. Each commits, then completes the
erasure log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from claims import PersonalDataVault
from fundadmin.clock import Clock
from fundadmin.database import create_engine, create_session_factory
from fundadmin.privacy.erasure_log import ErasureLog, Reapplied, reapply_erasures
from fundadmin.privacy.retention import run_retention
from fundadmin.security.vault import Vault


@dataclass(frozen=True, slots=True)
class RetentionSummary:
    erased: int
    held: int
    kept: int
    by_country: dict[str, dict[str, int | bool]]


async def retain(
    sessions: async_sessionmaker[AsyncSession],
    vault: PersonalDataVault,
    log: ErasureLog,
    *,
    now: datetime,
    dry_run: bool,
) -> RetentionSummary:
    """One run of the retention job as of `now`; `dry_run` counts and undoes."""
    async with sessions() as session:
        result = await run_retention(session, vault, now=now)
        summary = RetentionSummary(
            result.run.erased, result.run.held, result.run.kept, dict(result.run.by_country)
        )
        if dry_run:
            await session.rollback()
            return summary
        await session.commit()
    log.record(result.erased_subjects)
    return summary


async def retention_command(
    url: URL, vault: Vault, log: ErasureLog, clock: Clock, *, dry_run: bool
) -> RetentionSummary:
    """One run as of the clock's now, on its own connection (the command line's)."""
    engine = create_engine(url, pool_size=1)
    try:
        return await retain(
            create_session_factory(engine), vault, log, now=clock.now(), dry_run=dry_run
        )
    finally:
        await engine.dispose()


async def reapply_command(url: URL, vault: Vault, log: ErasureLog) -> Reapplied:
    engine = create_engine(url, pool_size=1)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            return await reapply_erasures(session, vault, log)
    finally:
        await engine.dispose()
