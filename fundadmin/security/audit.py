"""The audit trail: who did what to which record, when, from where and why.

Lines are append-only (triggers in PostgreSQL refuse UPDATE, DELETE and TRUNCATE) and
hash-chained: each line stores the hash of the line before it in its chain and its own SHA-256
over a canonical serialisation, so an edited or removed line breaks its chain at a place
`verify_chain` names. There is one chain per country (a line goes to the chain of the country it
concerns) and a `global` chain for lines that concern no one country, so a writer in Sweden never
waits for one in Denmark (migration 0024). Linking takes a transaction-scoped advisory lock of
the chain, so concurrent requests cannot fork it (and `prev_hash` is unique per chain, so a fork
is refused even under snapshot isolation). That lock is held until the transaction ends, so
`write_audit` only queues its line on the session; when the session commits, the lines go to
`audit_pending` without a lock, and PostgreSQL links them into their chains while it commits
(a deferred trigger, migration 0029): a chain's lock is held for the link and the commit's WAL
flush, never while the service is busy elsewhere. A rolled-back transaction takes its lines with
it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Collection, Mapping
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
from fundadmin.security.principal import ALL_COUNTRIES, Principal

GENESIS_HASH = "0" * 64
"""`prev_hash` of each chain's first line."""

GLOBAL_CHAIN = "global"
"""The chain of lines that concern no one country (and of every line older than the chains)."""

DetailValue = str | int | bool | None


def chain_of(principal: Principal | None, country: str | None) -> str:
    """The chain a line joins: the country it concerns, else the one country the actor's grants
    reach, else the global chain (anonymous callers, regional and superuser grants)."""
    if country is not None:
        return country
    countries = frozenset[str]().union(*principal.grants.values()) if principal else frozenset()
    if len(countries) == 1 and ALL_COUNTRIES not in countries:
        return next(iter(countries))
    return GLOBAL_CHAIN


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
    country: str | None = None,
) -> None:
    """Add one line to the audit trail when the session's transaction commits (never commits).

    `details` hold ids, states and counts, never a personal value: the trail is read by auditors,
    who see no personal data. `country` is the country the subject belongs to, when the caller
    knows it: the line joins that country's chain (see `chain_of`).
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
    arguments = (chain_of(principal, country), *columns, json.dumps(checked), line_body(**line))
    # The line belongs to the session's transaction: begin it (if the request has not), so that
    # its end, commit or rollback, is the line's too.
    await session.connection()
    session.sync_session.info.setdefault(_QUEUED, []).append(arguments)


_QUEUED = "fundadmin.audit.queued"
"""Key in `Session.info` of the lines written in the session's current transaction."""


@orm_events.listens_for(Session, "before_commit")
def _append_queued_lines(session: Session) -> None:
    # The lines go to `audit_pending` without a lock; PostgreSQL links them into their chains
    # while it commits (migration 0029), so no chain's lock waits for this process. Plain driver
    # SQL, since every write request pays for it.
    queued = session.info.pop(_QUEUED, ())
    if queued:
        session.connection().exec_driver_sql(_APPEND, list(queued))


@orm_events.listens_for(Session, "after_transaction_end")
def _forget_queued_lines(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_QUEUED, None)


_APPEND = (
    "INSERT INTO audit_pending (chain, occurred_at, actor_id, actor_username, actor_scopes, "
    "action, subject_type, subject_id, reason, remote_addr, request_id, details, body) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13)"
)
"""Arguments: the chain, the columns below, the details as JSON, the line's canonical body."""
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
    """The result of walking every chain of the trail from its first line."""

    lines_checked: int
    heads: Mapping[str, str]
    """Each chain's last good line's hash: record them elsewhere to detect a later removal of the
    newest lines of any chain."""
    first_broken_seq: int | None = None
    """The first line whose link does not hold (None if every link holds)."""
    problem: str | None = None
    broken_chain: str | None = None
    """The chain that line belongs to (or whose recorded head is gone)."""

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def heads_text(self) -> str:
        """The heads as `chain:hash` words, the form the operator records and prints."""
        return " ".join(f"{chain}:{head}" for chain, head in sorted(self.heads.items())) or "none"


async def verify_chain(
    session: AsyncSession, *, anchors: Collection[str] = (), batch_size: int = 1000
) -> ChainReport:
    """Recompute every line's hash in order, each against its own chain's line before; report
    the first line whose link does not hold.

    `anchors` are head hashes recorded earlier outside the database: if no line has one of them
    any more, lines were removed from the end of a chain (which the chains alone cannot show).
    """
    heads: dict[str, str] = {}
    checked = 0
    unseen = set(anchors) - {GENESIS_HASH}
    result = await session.stream_scalars(
        sa.select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch_size)
    )
    async for event in result:
        expected_prev = heads.get(event.chain, GENESIS_HASH)
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked,
                heads,
                event.seq,
                "the line before this one is missing or was altered",
                event.chain,
            )
        if _hash_of(event) != event.hash:
            return ChainReport(
                checked, heads, event.seq, "this line was altered after it was written", event.chain
            )
        heads[event.chain] = event.hash
        unseen.discard(event.hash)
        checked += 1
    if unseen:
        return ChainReport(
            checked,
            heads,
            None,
            "no line has an expected head hash: lines were removed from the end of a chain",
        )
    return ChainReport(checked, heads)
