"""Backups do not resurrect: the ids of destroyed data keys, kept outside the database.

A restore brings back the database as it was, erased data keys included. So every erasure is
also appended (after its commit) to a file that lives outside the database and its backups
(`FUNDADMIN_ERASURE_LOG`), and `reapply_erasures` (run by `fundadmin privacy reapply` and at
every `fundadmin serve`) destroys again every key the file names that a restore brought back.
The file holds random subject ids only: nothing in it identifies a person without the database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from claims import PersonalDataVault
from fundadmin.security.models import PersonalDataKey


class ErasureLog:
    """An append-only file of erased subject ids, one per line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, subject_ids: Iterable[uuid.UUID]) -> None:
        lines = "".join(f"{subject_id}\n" for subject_id in subject_ids)
        if not lines:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, lines.encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def subjects(self) -> set[uuid.UUID]:
        if not self.path.exists():
            return set()
        return {uuid.UUID(line) for line in self.path.read_text().split() if line}


@dataclass(frozen=True, slots=True)
class Reapplied:
    erased_again: int
    """Keys the file names that the database had again (a restore): destroyed now."""
    recorded: int
    """Keys erased in the database the file lacked (a crash between commit and append): added."""


async def reapply_erasures(
    session: AsyncSession, vault: PersonalDataVault, log: ErasureLog
) -> Reapplied:
    """Make the database and the file agree that every key either names is destroyed (flushes;
    the caller commits, then the file is complete)."""
    listed = log.subjects()
    erased_in_database = set(
        (
            await session.scalars(
                sa.select(PersonalDataKey.subject_id).where(PersonalDataKey.erased_at.is_not(None))
            )
        ).all()
    )
    resurrected = (
        (
            await session.scalars(
                sa.select(PersonalDataKey.subject_id).where(
                    PersonalDataKey.subject_id.in_(listed), PersonalDataKey.erased_at.is_(None)
                )
            )
        ).all()
        if listed
        else []
    )
    for subject_id in resurrected:
        await vault.erase(session, subject_id)
    await session.flush()
    missing = sorted(erased_in_database - listed)
    log.record(missing)
    return Reapplied(erased_again=len(resurrected), recorded=len(missing))
