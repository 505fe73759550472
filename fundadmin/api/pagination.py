"""One pagination convention for every list the API serves.

- The query takes `limit` (1-200, default 50) and `after`, the opaque cursor of the previous
  page (absent: the first page). `after` was already the name most lists used.
- The answer is `{"items": [...], "next": <cursor> | null}`; when there is a next page, the
  `Link` header names it too (`<...?after=...>; rel="next"`, RFC 8288).
- A cursor this list did not hand out is 422 with `errors: [{"field": "after", ...}]`.

A cursor is base64url text over `<kind>:<position>`: clients must not build one, and a cursor of
one kind of list is refused by another. Lists read from the database page by their stable key
(a time-ordered id) where they have one; bounded lists (a claim's payments, the eight policies)
are paged by position in memory. See also fundadmin/api/openapi.py, which names the shared
parameters and renames each `Page[X]` schema to `XPage`.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, Protocol, TypeVar
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response
from litestar.datastructures import ResponseHeader
from litestar.params import QueryParameter

from fundadmin.errors import UNPROCESSABLE, ProblemError

T = TypeVar("T")
P = TypeVar("P")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,400}$"
BAD_CURSOR = "not a cursor this list handed out"

Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Items per page (1-{MAX_LIMIT})")
]
After = Annotated[
    str | None,
    QueryParameter(
        pattern=CURSOR_PATTERN,
        max_length=400,
        description="The `next` of the previous page (an opaque cursor); absent: the first page",
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


def encode_cursor(kind: str, position: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode().rstrip("=")


def decode_cursor(after: str | None, kind: str, parse: Callable[[str], P]) -> P | None:
    """The position named by `after` (None when absent); 422 when this list did not hand it
    out (wrong kind, or a position `parse` refuses)."""
    if after is None:
        return None
    try:
        text = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode()
        found, _, position = text.partition(":")
        return parse(position) if found == kind else _refuse(after)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ProblemError(
            UNPROCESSABLE,
            f"after: {BAD_CURSOR}",
            extensions={"errors": [{"field": "after", "message": BAD_CURSOR}]},
        ) from None


def _refuse(after: str) -> Any:
    raise ValueError(after)


def id_cursor(last: uuid.UUID | None) -> str | None:
    """The cursor after the row with time-ordered id `last` (None: no next page)."""
    return None if last is None else encode_cursor("id", str(last))


def after_id(after: str | None) -> uuid.UUID | None:
    return decode_cursor(after, "id", uuid.UUID)


def _offset(position: str) -> int:
    if not position.isdigit() or len(position) > 10:
        raise ValueError(position)
    return int(position)


def after_offset(after: str | None) -> int:
    """Where a position-paged list resumes (0: the first page)."""
    return decode_cursor(after, "at", _offset) or 0


def offset_cursor(offset: int, limit: int, total: int) -> str | None:
    """The cursor of the page after the one at `offset`, if any item remains."""
    return encode_cursor("at", str(offset + limit)) if offset + limit < total else None


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
