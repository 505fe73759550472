"""The audit trail: who did what to which record, when, from where and why.

Lines are append-only (triggers in PostgreSQL refuse UPDATE, DELETE and TRUNCATE) and
hash-chained: each line stores the hash of the line before and its own SHA-256 over a canonical
serialisation, so an edited or removed line breaks the chain at a place `verify_chain` names.
Appends take a transaction-scoped advisory lock, so concurrent requests cannot fork the chain
(and `prev_hash` is unique, so a fork is refused even under snapshot isolation). Every writer
waits for that lock, which is held until the appending transaction commits, so `write_audit`
only queues its line on the session, and the lines are appended when the session commits, as its
very last statements: the lock is held for the append and the commit, whatever the request did
after writing the line. A rolled-back transaction takes its queued lines with it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import structlog
from litestar.connection import ASGIConnection
from sqlalchemy import event as orm_events
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from fundadmin.security.models import AuditEvent
from fundadmin.security.principal import Principal

GENESIS_HASH = "0" * 64
"""`prev_hash` of the first line."""

AUDIT_LOCK_KEY = 0x61756469745F6C6F  # "audit_lo": any constant shared by every instance

DetailValue = str | int | bool | None


def _canonical(line: Mapping[str, Any]) -> bytes:
    return json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def line_body(
    *,
    occurred_at: datetime,
    actor_id: uuid.UUID | None,
    actor_username: str | None,
    actor_scopes: str,
    action: str,
    subject_type: str,
    subject_id: str | None,
    reason: str | None,
    remote_addr: str | None,
    request_id: str | None,
    details: Mapping[str, DetailValue],
) -> bytes:
    """A line's canonical serialisation: every recorded field but the link to the line before."""
    return _canonical(
        {
            "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": str(actor_id) if actor_id else None,
            "actor_username": actor_username,
            "actor_scopes": actor_scopes,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "reason": reason,
            "remote_addr": remote_addr,
            "request_id": request_id,
            "details": dict(details),
        }
    )


def line_hash(prev_hash: str, body: bytes) -> str:
    """SHA-256 (hex) over the previous hash and a line's body (`audit_append` computes the same
    in PostgreSQL when it writes the line)."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + body).hexdigest()


def _hash_of(event: AuditEvent) -> str:
    body = line_body(
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_username=event.actor_username,
        actor_scopes=event.actor_scopes,
        action=event.action,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        reason=event.reason,
        remote_addr=event.remote_addr,
        request_id=event.request_id,
        details=event.details,
    )
    return line_hash(event.prev_hash, body)


def _checked_details(details: Mapping[str, DetailValue] | None) -> dict[str, DetailValue]:
    checked: dict[str, DetailValue] = {}
    for key, value in (details or {}).items():
        if not isinstance(key, str) or not isinstance(value, str | int | bool | None):
            raise TypeError("audit details map names to str, int, bool or None")
        checked[key] = value
    return checked


async def write_audit(
    session: AsyncSession,
    *,
    principal: Principal | None,
    action: str,
    subject_type: str,
    subject_id: str | None,
    reason: str | None = None,
    remote_addr: str | None = None,
    details: Mapping[str, str | int | bool | None] | None = None,
) -> None:
    """Add one line to the audit trail when the session's transaction commits (never commits).

    `details` hold ids, states and counts, never a personal value: the trail is read by auditors,
    who see no personal data.
    """
    checked = _checked_details(details)
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    line: dict[str, Any] = {
        "occurred_at": datetime.now(UTC),
        "actor_id": principal.user_id if principal else None,
        "actor_username": principal.username if principal else None,
        "actor_scopes": " ".join(principal.scopes) if principal else "",
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "reason": reason,
        "remote_addr": remote_addr,
        "request_id": str(request_id) if request_id else None,
        "details": checked,
    }
    columns = tuple(line[name] for name in _APPEND_COLUMNS)
    arguments = (AUDIT_LOCK_KEY, *columns, json.dumps(checked), line_body(**line))
    # The line belongs to the session's transaction: begin it (if the request has not), so that
    # its end, commit or rollback, is the line's too.
    await session.connection()
    session.sync_session.info.setdefault(_QUEUED, []).append(arguments)


_QUEUED = "fundadmin.audit.queued"
"""Key in `Session.info` of the lines written in the session's current transaction."""


@orm_events.listens_for(Session, "before_commit")
def _append_queued_lines(session: Session) -> None:
    # One call per line (migration 0007) takes the chain's lock, links the line to the last one
    # and inserts it; plain driver SQL, since every write request pays for it under that lock.
    queued = session.info.pop(_QUEUED, ())
    if queued:
        connection = session.connection()
        for arguments in queued:
            connection.exec_driver_sql(_APPEND, arguments)


@orm_events.listens_for(Session, "after_transaction_end")
def _forget_queued_lines(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_QUEUED, None)


_APPEND = "SELECT audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13)"
"""Arguments: the lock, the columns below, the details as JSON, the line's canonical body."""
_APPEND_COLUMNS = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_scopes",
    "action",
    "subject_type",
    "subject_id",
    "reason",
    "remote_addr",
    "request_id",
)


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The caller's address as the service sees it (the proxy's X-Forwarded-For, if trusted)."""
    return connection.client.host if connection.client else None


@dataclass(frozen=True)
class ChainReport:
    """The result of walking the whole trail from its first line."""

    lines_checked: int
    head_hash: str
    """Hash of the last line: record it elsewhere to detect later removal of the newest lines."""
    first_broken_seq: int | None = None
    """The first line whose link does not hold (None if every link holds)."""
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


async def verify_chain(
    session: AsyncSession, *, anchor: str | None = None, batch_size: int = 1000
) -> ChainReport:
    """Recompute every line's hash in order; report the first line whose link does not hold.

    `anchor` is a head hash recorded earlier outside the database: if no line has it any more,
    lines were removed from the end of the trail (which the chain alone cannot show).
    """
    expected_prev = GENESIS_HASH
    checked = 0
    anchor_seen = anchor is None or anchor == GENESIS_HASH
    result = await session.stream_scalars(
        sa.select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch_size)
    )
    async for event in result:
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked,
                expected_prev,
                event.seq,
                "the line before this one is missing or was altered",
            )
        if _hash_of(event) != event.hash:
            return ChainReport(
                checked, expected_prev, event.seq, "this line was altered after it was written"
            )
        expected_prev = event.hash
        anchor_seen = anchor_seen or event.hash == anchor
        checked += 1
    if not anchor_seen:
        return ChainReport(
            checked,
            expected_prev,
            None,
            "no line has the expected head hash: lines were removed from the end",
        )
    return ChainReport(checked, expected_prev)
