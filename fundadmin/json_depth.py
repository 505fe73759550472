"""Refuse a JSON body nested deeper than any of our schemas before anyone parses it.

A body nested a thousand levels deep made the JSON decoder recurse until Python gave up (a 500
and a logged RecursionError per request, from anyone, even without a token). This hook runs
before the body is decoded and answers 400 at C speed: it drops the strings (where brackets mean
nothing), keeps only the brackets, and walks those.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request

from fundadmin.errors import ProblemError, ProblemType

MAX_JSON_DEPTH = 32
"""Deeper than any request schema of the API nests (a claim's heads are at depth 3)."""

TOO_DEEP = ProblemType(400, "json-too-deep", "JSON nested too deeply")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in `body` (0 for a scalar); not a validator."""
    brackets = _STRING.sub(b"", body).translate(None, delete=_NOT_BRACKET)
    depth = deepest = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


async def refuse_deep_json(request: Request[Any, Any, Any]) -> None:
    if request.method not in _BODY_METHODS or "json" not in request.headers.get("content-type", ""):
        return
    body = await request.body()
    # Most bodies have fewer brackets than the limit: no need to look closer.
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and json_depth(body) > MAX_JSON_DEPTH:
        raise ProblemError(
            TOO_DEEP, f"the JSON body nests more than {MAX_JSON_DEPTH} levels of arrays or objects"
        )
