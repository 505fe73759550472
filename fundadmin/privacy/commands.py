"""The work behind `fundadmin privacy`, without click: the retention job and re-applying
erasures after a restore. Each commits, then completes the erasure log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL

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


async def retention_command(
    url: URL, vault: Vault, log: ErasureLog, clock: Clock, *, dry_run: bool
) -> RetentionSummary:
    """One run of the retention job as of the clock's now; `dry_run` counts and undoes."""
    engine = create_engine(url, pool_size=1)
    try:
        async with create_session_factory(engine)() as session:
            result = await run_retention(session, vault, now=clock.now())
            summary = RetentionSummary(
                result.run.erased, result.run.held, result.run.kept, dict(result.run.by_country)
            )
            if dry_run:
                await session.rollback()
                return summary
            await session.commit()
        log.record(result.erased_subjects)
        return summary
    finally:
        await engine.dispose()


async def reapply_command(url: URL, vault: Vault, log: ErasureLog) -> Reapplied:
    engine = create_engine(url, pool_size=1)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            return await reapply_erasures(session, vault, log)
    finally:
        await engine.dispose()
