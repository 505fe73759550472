"""HTTP idempotency for every route that moves money (the IETF `Idempotency-Key` header).

A handler that moves money wraps its work like this::

    @post("/things", responses=idempotent_responses(ThingOut, 201), opt=IDEMPOTENT)
    async def create(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: JSONBody[ThingIn],
    ) -> Response[bytes]:
        async with unit_of_work(session):
            return await idempotent(
                request, session, principal, data, lambda: service(session, data), status_code=201
            )

:func:`idempotent` requires the header (missing or malformed: 422 problem document), keys it per
caller (the principal's user id), and stores the request's fingerprint with the response's status
and body in `idempotency_record`, in the same database transaction as the handler's write:

- first request: runs `action`, stores and returns its answer;
- retry with the same key and body (same method and path): returns the first status and body,
  with the header `Idempotent-Replayed: true`, and runs nothing;
- same key, different body or route: 409 problem document (`idempotency-key-reused`);
- concurrent duplicates: the second waits on the record's primary key until the first commits,
  then replays it (or, if the first rolled back, runs as the first).

A request that fails (a problem document) stores nothing, because its transaction rolls back: a
retry is evaluated again, which is safe because nothing was written.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import msgspec
import sqlalchemy as sa
from advanced_alchemy.base import DefaultBase
from litestar import Request, Response
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from fundadmin.errors import ProblemError, ProblemType
from fundadmin.security.principal import Principal

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

KEY_MISSING = ProblemType(422, "idempotency-key-missing", "Idempotency-Key header required")
KEY_REUSED = ProblemType(409, "idempotency-key-reused", "Idempotency key already used")

KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
_KEY = re.compile(KEY_PATTERN)

IDEMPOTENT = {"idempotent": True}
"""`opt` of every route that calls :func:`idempotent`: the OpenAPI document then declares the
`Idempotency-Key` header as required on it (fundadmin/api/openapi.py)."""


class IdempotencyRecord(DefaultBase):
    """The first answer to a money-moving request, replayed to retries with the same key."""

    __tablename__ = "idempotency_record"

    owner_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    """The caller (user id) whose key this is: keys of different callers never collide."""
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    """The `Idempotency-Key` header's value (printable ASCII, 1 to 255 characters)."""
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    """SHA-256 of method, path and decoded body: a retry must match it."""
    status_code: Mapped[int | None] = mapped_column(sa.SmallInteger)
    """HTTP status of the first answer."""
    response_body: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """The first answer's JSON body, byte for byte."""
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


_CLAIM = (
    "INSERT INTO idempotency_record (owner_id, key, fingerprint) VALUES ($1, $2, $3) "
    "ON CONFLICT DO NOTHING RETURNING key"
)
_ANSWER = (
    "UPDATE idempotency_record SET status_code = $3, response_body = $4 "
    "WHERE owner_id = $1 AND key = $2"
)


def request_fingerprint(method: str, path: str, data: object) -> str:
    """Digest of what a request asks for: whitespace and key order of the JSON do not matter."""
    body = msgspec.json.encode(data, order="sorted") if data is not None else b""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def idempotency_key(request: Request[Any, Any, Any]) -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None or not _KEY.match(key):
        raise ProblemError(
            KEY_MISSING,
            "this request moves money: send an Idempotency-Key header "
            "(1 to 255 printable ASCII characters, unique per intended operation)",
        )
    return key


async def idempotent(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    principal: Principal,
    data: object,
    action: Callable[[], Awaitable[object]],
    *,
    status_code: int = 201,
) -> Response[bytes]:
    """Run `action` once per (caller, Idempotency-Key); see the module's description.

    `data` is the decoded request body (None when there is none); `action`'s result is encoded
    with msgspec. Call it inside the handler's `unit_of_work`, so the record commits with the write.
    """
    # The OpenAPI document declares the required header from `opt`: a route that forgot it would
    # refuse requests its own document says are valid.
    if not request.route_handler.opt.get("idempotent"):
        raise RuntimeError(f"{request.route_handler} calls idempotent() without opt=IDEMPOTENT")
    key = idempotency_key(request)
    fingerprint = request_fingerprint(request.method, request.url.path, data)
    # Plain driver SQL: these run on every money-moving request, and need no ORM.
    connection = await session.connection()
    claimed = (
        await connection.exec_driver_sql(_CLAIM, (principal.user_id, key, fingerprint))
    ).first()
    if claimed is None:
        return await _replay(session, principal.user_id, key, fingerprint)
    body = msgspec.json.encode(await action())
    await connection.exec_driver_sql(_ANSWER, (principal.user_id, key, status_code, body))
    return Response(content=body, status_code=status_code, media_type="application/json")


async def _replay(
    session: AsyncSession, owner_id: uuid.UUID, key: str, fingerprint: str
) -> Response[bytes]:
    record = (
        await session.execute(
            sa.select(
                IdempotencyRecord.fingerprint,
                IdempotencyRecord.status_code,
                IdempotencyRecord.response_body,
            ).where(IdempotencyRecord.owner_id == owner_id, IdempotencyRecord.key == key)
        )
    ).one()
    if record.fingerprint != fingerprint or record.status_code is None:
        raise ProblemError(
            KEY_REUSED,
            "this Idempotency-Key was already used for a different request; "
            "use a new key for a new operation",
        )
    return Response(
        content=record.response_body or b"",
        status_code=record.status_code,
        media_type="application/json",
        headers={REPLAYED_HEADER: "true"},
    )


async def purge_idempotency_records(session: AsyncSession, *, older_than: timedelta) -> int:
    """Forget answers older than `older_than` (a retention job); returns how many."""
    result = await session.execute(
        sa.delete(IdempotencyRecord).where(
            IdempotencyRecord.created_at < sa.func.now() - older_than
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def idempotent_responses(body: type[Any], status_code: int = 201) -> dict[int, ResponseSpec]:
    """OpenAPI description of an idempotent route's answer (its handler returns raw bytes)."""
    return {
        status_code: ResponseSpec(
            data_container=body, description="The answer; a retry receives the same one"
        )
    }


__all__ = [
    "IDEMPOTENCY_HEADER",
    "IDEMPOTENT",
    "KEY_MISSING",
    "KEY_PATTERN",
    "KEY_REUSED",
    "REPLAYED_HEADER",
    "IdempotencyRecord",
    "idempotency_key",
    "idempotent",
    "idempotent_responses",
    "purge_idempotency_records",
    "request_fingerprint",
]
