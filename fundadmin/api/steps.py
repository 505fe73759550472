"""A write over HTTP, one way for every route that changes a record:

- `step`: run the service inside the request's unit of work, write its audit line in the same
  transaction, and answer the record with its new ETag (and Location for a 201);
- `money_step`: the same for a write that moves money, answered once per Idempotency-Key; the
  ETag of a replay is read back from the stored answer, so the first answer and its replay agree;
- `tagged`: the ETag of any idempotent answer, read from its body;
- `audit`: the one audit line a route writes (ids and states only, never a personal value).

The conventions themselves (If-Match, ETag, 304, Location) are in fundadmin/api/conventions.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

import msgspec
from litestar import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

import claims
from fundadmin.api.conventions import etag, with_etag
from fundadmin.database import unit_of_work
from fundadmin.idempotency import idempotent
from fundadmin.security.audit import client_address, write_audit
from fundadmin.security.principal import Principal


class Versioned(Protocol):
    """A record whose `version` is its ETag."""

    @property
    def version(self) -> int: ...


class Stepped(Versioned, Protocol):
    """A record with a lifecycle: its id and status go on each step's audit line."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def status(self) -> str: ...


Row = TypeVar("Row", bound=Versioned)
StepRow = TypeVar("StepRow", bound=Stepped)
View = TypeVar("View")

AuditDetails = dict[str, str | int | bool | None]


async def audit(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    *,
    action: str,
    subject_type: str,
    subject_id: object,
    reason: str | None = None,
    details: AuditDetails | None = None,
) -> None:
    """One audit line (ids and states only: never a personal value)."""
    await write_audit(
        session,
        principal=principal,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        reason=reason,
        remote_addr=client_address(request),
        details=details,
    )


def audited_step(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    *,
    action: str,
    subject_type: str,
) -> Callable[[StepRow], Awaitable[None]]:
    """The audit line of one step on a record with a lifecycle: its new status and version (a
    return application's history is read from these lines)."""

    async def write(row: StepRow) -> None:
        await audit(
            session,
            request,
            principal,
            action=action,
            subject_type=subject_type,
            subject_id=row.id,
            details={"status": row.status, "version": row.version},
        )

    return write


async def step(
    session: AsyncSession,
    run: Callable[[], Awaitable[Row]],
    *,
    audited: Callable[[Row], Awaitable[None]],
    view: Callable[[Row], View],
    status_code: int = 200,
    location: Callable[[Row], str] | None = None,
    set_at_commit: Sequence[str] = (),
) -> Response[View]:
    """Run one write and its audit line in one transaction; answer `view(row)` with its ETag.

    `set_at_commit` names the row's columns PostgreSQL sets while the transaction commits (a
    claim's reference): they are read back after the commit, for the answer."""
    async with unit_of_work(session):
        row = await run()
        await audited(row)
    if set_at_commit:
        await session.refresh(row, list(set_at_commit))
    return with_etag(
        view(row),
        row.version,
        status_code,
        location=location(row) if location is not None else None,
    )


async def money_step(
    session: AsyncSession,
    request: Request[Any, Any, Any],
    principal: Principal,
    data: object,
    run: Callable[[], Awaitable[Row]],
    *,
    audited: Callable[[Row], Awaitable[None]],
    view: Callable[[Row], Any],
) -> Response[bytes]:
    """A write that moves money: as `step`, answered once per Idempotency-Key (200)."""

    async def act() -> Any:
        row = await run()
        await audited(row)
        return view(row)

    if request.headers.get("If-Match") is None:
        # 428 before the key is looked at: a retry without If-Match must not replay or conflict.
        raise claims.VersionRequired()
    async with unit_of_work(session):
        response = await idempotent(request, session, principal, data, act, status_code=200)
    return tagged(response)


def tagged(response: Response[bytes]) -> Response[bytes]:
    """An idempotent answer with the ETag of what it answers, read from its body's `version`
    (a replay answers the stored body, so its ETag is the first answer's; an answer stored
    before its record had an ETag is replayed without one)."""
    if response.status_code in (200, 201):
        version = msgspec.json.decode(response.content).get("version")
        if isinstance(version, int):
            response.headers["ETag"] = etag(version)
    return response
