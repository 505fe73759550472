"""Reading the audit trail: newest first, filtered, paged by position."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.security.models import AuditEvent

MAX_PAGE = 500


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    actor_id: uuid.UUID | None = None
    actor_username: str | None = None
    since: datetime | None = None
    """Inclusive lower bound on `occurred_at`."""
    until: datetime | None = None
    """Exclusive upper bound on `occurred_at`."""
    before_seq: int | None = None
    """Page cursor: only lines older than this position."""
    limit: int = 100


async def search_audit(session: AsyncSession, query: AuditFilter) -> Sequence[AuditEvent]:
    conditions = [
        column == value
        for column, value in (
            (AuditEvent.action, query.action),
            (AuditEvent.subject_type, query.subject_type),
            (AuditEvent.subject_id, query.subject_id),
            (AuditEvent.actor_id, query.actor_id),
            (AuditEvent.actor_username, query.actor_username),
        )
        if value is not None
    ]
    if query.since is not None:
        conditions.append(AuditEvent.occurred_at >= query.since)
    if query.until is not None:
        conditions.append(AuditEvent.occurred_at < query.until)
    if query.before_seq is not None:
        conditions.append(AuditEvent.seq < query.before_seq)
    limit = max(1, min(query.limit, MAX_PAGE))
    rows = await session.scalars(
        sa.select(AuditEvent).where(*conditions).order_by(AuditEvent.seq.desc()).limit(limit)
    )
    return rows.all()


async def steps_of(
    session: AsyncSession, subject_type: str, subject_id: str, *, prefix: str
) -> Sequence[AuditEvent]:
    """The changes recorded about one record, oldest first: its lines whose action starts with
    `prefix`, reads (`*.read`) left out."""
    rows = await session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.subject_type == subject_type,
            AuditEvent.subject_id == subject_id,
            AuditEvent.action.startswith(prefix, autoescape=True),
            AuditEvent.action.not_like("%.read"),
        )
        .order_by(AuditEvent.seq)
    )
    return rows.all()
