"""The audit trail for auditors: list and filter its lines, and verify its hash chain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, Parameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.api.pagination import (
    LINK_HEADER,
    After,
    Limit,
    Page,
    after_sequence,
    paged,
    sequence_cursor,
)
from fundadmin.security.audit import verify_chain
from fundadmin.security.audit_search import AuditFilter, search_audit
from fundadmin.security.guards import requires
from fundadmin.security.models import AuditEvent
from fundadmin.security.principal import Role


class AuditLine(msgspec.Struct):
    seq: int
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor_username: str | None
    actor_scopes: str
    action: str
    subject_type: str
    subject_id: str | None
    reason: str | None
    remote_addr: str | None
    request_id: str | None
    details: dict[str, str | int | bool | None]
    prev_hash: str
    hash: str


HeadHash = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]
"""A chain's head as `verify` reported it: a SHA-256 in lower-case hex."""


class ChainVerification(msgspec.Struct):
    ok: bool
    lines_checked: int
    """Lines whose link held, from the first line on."""
    heads: dict[str, str]
    """Each chain's (a country's, or `global`) last good line's hash: keep them elsewhere to
    detect a later removal of newer lines."""
    first_broken_seq: int | None
    problem: str | None
    broken_chain: str | None


def _line(event: AuditEvent) -> AuditLine:
    return AuditLine(
        seq=event.seq,
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
        prev_hash=event.prev_hash,
        hash=event.hash,
    )


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]
    guards = [requires(Role.AUDITOR)]

    @get("/", summary="Audit lines, newest first", response_headers=LINK_HEADER)
    async def list_lines(
        self,
        *,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        action: FromQuery[str | None] = None,
        subject_type: FromQuery[str | None] = None,
        subject_id: FromQuery[str | None] = None,
        actor_id: FromQuery[uuid.UUID | None] = None,
        actor: Annotated[str | None, Parameter(description="actor's username")] = None,
        start: Annotated[
            datetime | None, QueryParameter(name="from", description="From (inclusive)")
        ] = None,
        end: Annotated[
            datetime | None, QueryParameter(name="to", description="To (exclusive)")
        ] = None,
        after: After = None,
        limit: Limit = 50,
    ) -> Response[Page[AuditLine]]:
        events = await search_audit(
            session,
            AuditFilter(
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                actor_id=actor_id,
                actor_username=actor,
                since=start,
                until=end,
                before_seq=after_sequence(after),
                limit=limit,
            ),
        )
        following = sequence_cursor(events[-1].seq) if len(events) == limit else None
        return paged(request, Page([_line(e) for e in events], following))

    @get("/verify", summary="Walk every hash chain and report the first broken link")
    async def verify(
        self,
        session: NamedDependency[AsyncSession],
        expect_head: Annotated[
            list[HeadHash] | None,
            Parameter(
                description="head hashes recorded earlier (repeat for each chain): detects "
                "lines removed from the end of a chain",
                max_items=64,
            ),
        ] = None,
    ) -> ChainVerification:
        report = await verify_chain(session, anchors=expect_head or ())
        return ChainVerification(
            ok=report.ok,
            lines_checked=report.lines_checked,
            heads=dict(report.heads),
            first_broken_seq=report.first_broken_seq,
            problem=report.problem,
            broken_chain=report.broken_chain,
        )
