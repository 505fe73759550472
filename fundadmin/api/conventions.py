"""The HTTP conventions every route follows, in one place (new routes get them by importing
from here):

- a record's version is its strong `ETag` (`"3"`); every write answers the new one, and every
  change needs it back as `If-Match` (428 without, 412 when stale; a weak ETag `W/"3"` never
  matches, as RFC 9110 says for If-Match);
- a read whose `If-None-Match` names the current ETag is answered 304 without a body;
- a 201 names what it created in `Location`;
- lists page one way: see fundadmin/api/pagination.py;
- a rule beyond the schema that refuses a schema-valid request (422) is declared on its route
  with `business_rules`, so the document states it.

See also fundadmin/api/openapi.py (the document) and fundadmin/api/strict.py (strict input).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import Request, Response
from litestar.datastructures import MutableScopeHeaders, ResponseHeader
from litestar.params import HeaderParameter
from litestar.types import Message, Scope

from fundadmin.errors import STALE_VERSION, ProblemError

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        description='The strong ETag of the version you read, e.g. "3"; required on every write '
        "(428 without it, 412 when the record has changed since).",
    ),
]

OPTIONAL_IF_MATCH = "Optional: "
"""How an optional If-Match's description starts (fundadmin/api/openapi.py leaves it optional)."""

IfMatchWhenSent = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        description=f'{OPTIONAL_IF_MATCH}the strong ETag of the version you read, e.g. "2"; when '
        "sent, 412 if the record has changed since (a weak ETag never matches).",
    ),
]

BUSINESS_RULES = "business_rules"
"""`opt` key of a route that refuses some schema-valid requests (see `business_rules`)."""


def business_rules(*rules: str) -> dict[str, tuple[str, ...]]:
    """`opt` of a route whose 422 also enforces rules no JSON Schema can state: facts held in
    the database, the clock's today, a relation between fields. The document lists them as the
    operation's `x-business-rules` and in its 422's description (fundadmin/api/openapi.py), so a
    client reads them beside the schema, and the contract test tells Schemathesis that a
    schema-valid request may be 422 there, and nowhere else."""
    return {BUSINESS_RULES: rules}


ETAG_HEADER = [
    ResponseHeader(
        name="ETag",
        documentation_only=True,
        description="The record's version; send it back as If-Match to change the record.",
    )
]
LOCATION_HEADER = [
    ResponseHeader(
        name="Location", documentation_only=True, description="Where the new record is read."
    )
]
CREATED_HEADERS = [*ETAG_HEADER, *LOCATION_HEADER]

_ETAG = re.compile(r'^"(\d{1,9})"$')


def expected_version(if_match: str | None) -> int | None:
    """The version named by If-Match; None when absent. A weak or unreadable value matches no
    version (-1: the write answers 412)."""
    if if_match is None:
        return None
    match = _ETAG.match(if_match.strip())
    return int(match.group(1)) if match else -1


def check_if_match(if_match: str | None, current: int) -> None:
    """For a record whose writes take If-Match when given (412 when it names another version or
    is weak) rather than require it: ledger transactions and user accounts, whose clients
    predate their ETags."""
    wanted = expected_version(if_match)
    if wanted is not None and wanted != current:
        raise ProblemError(
            STALE_VERSION,
            "the record changed since you read it; read it again and re-apply your change",
            extensions={"current_version": current},
        )


def etag(version: int) -> str:
    return f'"{version}"'


def with_etag(
    content: Any,
    version: int,
    status_code: int = 200,
    *,
    location: str | None = None,
    request: Request[Any, Any, Any] | None = None,
) -> Response[Any]:
    """`content` with its ETag (and Location for a 201). Given the `request` of a read whose
    If-None-Match names this version, a bodiless 304 instead."""
    headers = {"ETag": etag(version)}
    if location is not None:
        headers["Location"] = location
    if (
        request is not None
        and request.method == "GET"
        and _unchanged(request.headers.get("If-None-Match"), headers["ETag"])
    ):
        return Response(content=None, status_code=304, headers=headers)
    return Response(content=content, status_code=status_code, headers=headers)


def located(response: Response[bytes], collection: str) -> Response[bytes]:
    """An idempotent answer (raw JSON) with `Location: <collection>/<its id>` when it is a 201;
    a replay is located the same way as the first answer."""
    if response.status_code == 201:
        response.headers["Location"] = f"{collection}/{msgspec.json.decode(response.content)['id']}"
    return response


def created_at(response: Response[bytes], location: str) -> Response[bytes]:
    """An idempotent answer with `Location: <location>` when it is a 201 (for what has no
    record of its own to read: a realisation is read with its confiscation)."""
    if response.status_code == 201:
        response.headers["Location"] = location
    return response


def _unchanged(if_none_match: str | None, current: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2): `W/"3"` matches `"3"`."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or current in tags


async def allow_every_method(message: Message, scope: Scope) -> None:
    """Litestar `before_send` hook: `Allow` on an OPTIONS answer lists every method of the path.

    Litestar builds one OPTIONS handler per route as its handlers are registered, and the handler
    of a path whose handlers come from one controller keeps the methods of the first one only
    (`OPTIONS /claims` answered `Allow: OPTIONS, POST` without GET)."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    template = scope.get("path_template")
    methods = {
        method
        for route in scope["litestar_app"].routes
        if route.path_format == template
        for method in getattr(route, "methods", ())
    }
    if message["status"] == 204 and methods:
        headers = MutableScopeHeaders.from_message(message)
        headers["Allow"] = ", ".join(sorted(methods))
