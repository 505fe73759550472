"""One pagination convention for every list the API serves.

- The query takes `limit` (1-200, default 50) and `after`, the `next` of the previous page
  (absent: the first page). `after` was already the name most lists used.
- The answer is `{"items": [...], "next": <cursor> | null}`; when there is a next page, the
  `Link` header names it too (`<...?after=...>; rel="next"`, RFC 8288).

A cursor is the list's sort key written as 40 lowercase hex digits (a 160-bit number), and the
document says so (`pattern`). Every string of that shape names a position in every list: a
value beyond a key's range is clamped to it, so a cursor never handed out answers the page after
that position (perhaps empty) instead of an error, and a generated client or a contract test
that builds one from the pattern is answered 200. Clients still take `next` as it is; they have
no reason to build one. Lists read from the database page by their stable key (a time-ordered
id, a sequence, a time); bounded lists (a claim's payments, the eight policies) by position in
memory. See also fundadmin/api/openapi.py, which names the shared parameters and renames each
`Page[X]` schema to `XPage`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Generic, Protocol, TypeVar
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response
from litestar.datastructures import ResponseHeader
from litestar.params import QueryParameter

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CURSOR_DIGITS = 40
CURSOR_PATTERN = rf"^[0-9a-f]{{{CURSOR_DIGITS}}}$"

Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Items per page (1-{MAX_LIMIT})")
]
After = Annotated[
    str | None,
    QueryParameter(
        pattern=CURSOR_PATTERN,
        description=(
            "The `next` of the previous page; absent: the first page. Any value of this shape is "
            "a position (the page after it may be empty)"
        ),
    ),
]

LINK_HEADER = [
    ResponseHeader(
        name="Link",
        documentation_only=True,
        required=False,
        description='The next page, when there is one: `<...?after=...>; rel="next"` (RFC 8288).',
    )
]


class Page(msgspec.Struct, Generic[T]):
    """A page of a list: its items and the cursor of the next page (null on the last)."""

    items: list[T]
    next: str | None


def _encode(number: int) -> str:
    return f"{number:0{CURSOR_DIGITS}x}"


def _decode(after: str | None) -> int | None:
    """The number an `after` of the documented shape names (the route validated the shape)."""
    return None if after is None else int(after, 16)


def _clamp(number: int, lowest: int, highest: int) -> int:
    return max(lowest, min(number, highest))


_UUID_SPACE = 2**128


def id_cursor(last: uuid.UUID | None) -> str | None:
    """The cursor after the row with time-ordered id `last` (None: no next page)."""
    return None if last is None else _encode(last.int)


def after_id(after: str | None) -> uuid.UUID | None:
    number = _decode(after)
    return None if number is None else uuid.UUID(int=min(number, _UUID_SPACE - 1))


MAX_SEQUENCE = 2**63 - 1
"""PostgreSQL's largest bigint: the highest position a sequence-keyed list can name."""


def sequence_cursor(last: int) -> str:
    return _encode(last)


def after_sequence(after: str | None) -> int | None:
    number = _decode(after)
    return None if number is None else min(number, MAX_SEQUENCE)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LAST_MOMENT = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
_MICROSECONDS = timedelta(microseconds=1)


def time_cursor(last: datetime) -> str:
    """The cursor after the row stamped `last` (microseconds since 1970, UTC)."""
    return _encode(max(0, (last - _EPOCH) // _MICROSECONDS))


def after_time(after: str | None) -> datetime | None:
    number = _decode(after)
    if number is None:
        return None
    return _EPOCH + _MICROSECONDS * min(number, (_LAST_MOMENT - _EPOCH) // _MICROSECONDS)


def day_and_id_cursor(day: date, last: uuid.UUID) -> str:
    """The cursor after the row keyed (`day`, `last`): the day's ordinal above the id's 128 bits."""
    return _encode(day.toordinal() * _UUID_SPACE + last.int)


def after_day_and_id(after: str | None) -> tuple[date, uuid.UUID] | None:
    number = _decode(after)
    if number is None:
        return None
    ordinal, rest = divmod(number, _UUID_SPACE)
    return date.fromordinal(_clamp(ordinal, 1, date.max.toordinal())), uuid.UUID(int=rest)


MAX_OFFSET = 2**31
"""Beyond any list's length; an offset past it is clamped (the page is empty either way)."""


def after_offset(after: str | None) -> int:
    """Where a position-paged list resumes (0: the first page)."""
    number = _decode(after)
    return 0 if number is None else min(number, MAX_OFFSET)


def offset_cursor(offset: int, limit: int, total: int) -> str | None:
    """The cursor of the page after the one at `offset`, if any item remains."""
    return _encode(offset + limit) if offset + limit < total else None


def page_of(items: Sequence[T], after: str | None, limit: int) -> Page[T]:
    """A page of a bounded list held in memory, in its given order."""
    start = after_offset(after)
    return Page(list(items[start : start + limit]), offset_cursor(start, limit, len(items)))


class _Paged(Protocol):
    @property
    def next(self) -> str | None: ...


def paged(request: Request[Any, Any, Any], page: _Paged) -> Response[Any]:
    """`page` with the `Link` header naming the next page, when there is one."""
    headers = {}
    if page.next is not None:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
        query.append(("after", page.next))
        headers["Link"] = f'<{request.url.path}?{urlencode(query)}>; rel="next"'
    return Response(page, headers=headers)
