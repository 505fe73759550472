"""Strict input, one way, for every route: the app's `before_request` hook.

Litestar converts request data leniently (`"true"` and `1` become `True`, `100.5` becomes a
Decimal). Before a handler runs, this hook holds the request to what the OpenAPI document says:

- a JSON body must be sent as `application/json` (or `application/merge-patch+json` where the
  route patches); a multipart upload as `multipart/form-data`; anything else is 415;
- the JSON is decoded strictly against the handler's body type: booleans are JSON booleans,
  integers JSON integers, and every decimal is money: a JSON string matching `MONEY_PATTERN`;
- no text in the body may contain a NUL character (PostgreSQL cannot store one);
- a JSON body nested deeper than fundadmin.json_depth allows is refused before it is decoded;
- a query parameter the operation does not declare is 422 (a misspelt filter must not silently
  return everything);
- a multi-valued filter takes a comma list (`status=submitted,under_review`) or repeated
  parameters, the same on every route; a value that is not allowed is 422 naming it.

Failures are ValidationExceptions, so they answer the usual 422 problem document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request
from litestar.constants import RESERVED_KWARGS
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.params import BodyKwarg, ParameterKwarg
from litestar.utils.scope.state import ScopeState

from fundadmin.errors import UNSTORABLE_TEXT, ProblemError
from fundadmin.json_depth import refuse_deep_json
from ledger.schemas import MONEY_DESCRIPTION, MONEY_PATTERN

JSON_MEDIA_TYPES = frozenset({"application/json", "application/merge-patch+json"})
_MONEY = re.compile(MONEY_PATTERN)


class UnsupportedMediaType(HTTPException):
    status_code = 415


@dataclass(frozen=True, slots=True)
class _Rules:
    query_names: frozenset[str]
    list_names: frozenset[str]
    """The query parameters that take several values."""
    body_type: Any | None
    """The JSON body's type; None when the operation reads no JSON body."""
    multipart: bool
    decoder: msgspec.json.Decoder[Any] | None
    body_info: msgspec.inspect.Type | None
    """The body type's msgspec description, where the money check finds the decimals: built
    once per handler (building it cost about 2 ms of CPU on every JSON write)."""


_RULES: dict[object, _Rules] = {}
"""Rules per handler function (module-level, so never collected: the key cannot be reused)."""


def _query_names(handler: HTTPRouteHandler) -> tuple[frozenset[str], frozenset[str]]:
    """The operation's query parameters, and those of them that take several values."""
    dependencies = set(handler.resolve_dependencies())
    fields = dict(handler.parsed_fn_signature.parameters)
    fields.update(handler.resolve_layered_parameters())
    path_params = {p for path in handler.paths for p in re.findall(r"{(\w+)", path)}
    names = set()
    lists = set()
    for name, field in fields.items():
        if name in RESERVED_KWARGS or name in dependencies or name in path_params:
            continue
        kwarg = field.kwarg_definition
        if isinstance(kwarg, ParameterKwarg):
            if kwarg.header or kwarg.cookie:
                continue
            query_name = kwarg.name or kwarg.query or name
        elif kwarg is None:
            query_name = name
        else:
            continue
        names.add(query_name)
        if any(arg.is_non_string_sequence for arg in (field, *field.inner_types)):
            lists.add(query_name)
    return frozenset(names), frozenset(lists)


def _rules(handler: HTTPRouteHandler) -> _Rules:
    rules = _RULES.get(handler.fn)
    if rules is not None:
        return rules
    data = handler.parsed_fn_signature.parameters.get("data")
    body_type = None
    multipart = False
    decoder = None
    body_info = None
    if data is not None:
        kwarg = data.kwarg_definition
        media = kwarg.media_type if isinstance(kwarg, BodyKwarg) else RequestEncodingType.JSON
        if media == RequestEncodingType.MULTI_PART:
            multipart = True
        elif media == RequestEncodingType.JSON:
            body_type = data.annotation
            decoder = msgspec.json.Decoder(body_type, strict=True)
            body_info = msgspec.inspect.type_info(body_type)
    rules = _Rules(*_query_names(handler), body_type, multipart, decoder, body_info)
    _RULES[handler.fn] = rules
    return rules


def _money_errors(  # noqa: PLR0912 (one branch per kind of msgspec type)
    value: Any, info: msgspec.inspect.Type, path: str
) -> Iterator[str]:
    """Paths of the decimals in `value` (decoded JSON) that are not money strings."""
    t = msgspec.inspect
    if isinstance(info, t.Metadata):
        yield from _money_errors(value, info.type, path)
    elif isinstance(info, t.DecimalType):
        if not (isinstance(value, str) and _MONEY.match(value)):
            yield path
    elif isinstance(info, t.StructType | t.DataclassType | t.TypedDictType):
        if isinstance(value, dict):
            for field in info.fields:
                if field.encode_name in value:
                    yield from _money_errors(
                        value[field.encode_name], field.type, f"{path}.{field.encode_name}"
                    )
    elif isinstance(info, t.ListType | t.SetType | t.FrozenSetType | t.VarTupleType):
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from _money_errors(item, info.item_type, f"{path}[{index}]")
    elif isinstance(info, t.DictType):
        if isinstance(value, dict):
            for key, item in value.items():
                yield from _money_errors(item, info.value_type, f"{path}.{key}")
    elif isinstance(info, t.UnionType) and value is not None:
        members = [m for m in info.types if not isinstance(m, t.NoneType)]
        if len(members) == 1:
            yield from _money_errors(value, members[0], path)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


def _invalid(field: str, message: str) -> ValidationException:
    return ValidationException(
        detail="the request does not match the schema", extra=[{"key": field, "message": message}]
    )


def _nul() -> ProblemError:
    return ProblemError(
        UNSTORABLE_TEXT,
        "a text in the request contains a NUL character (\\u0000), which cannot be stored; "
        "remove it and send the request again",
    )


def check_query(request: Request[Any, Any, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise ValidationException(
            detail="unknown query parameter",
            extra=[
                {"key": name, "message": "not a parameter of this operation"} for name in unknown
            ],
        )
    if any("\x00" in value for _, value in request.query_params.multi_items()):
        raise _nul()


def split_comma_lists(request: Request[Any, Any, Any], names: frozenset[str]) -> None:
    """`status=a,b` read as `status=a&status=b` by the handler's parameter parsing."""
    pairs = tuple(request.query_params.multi_items())
    if not any(name in names and "," in value for name, value in pairs):
        return
    split = tuple(
        (name, part)
        for name, value in pairs
        for part in (value.split(",") if name in names else [value])
    )
    # Litestar parses parameters from the query it cached on the connection and its scope
    # state (connection/base.py, _kwargs/extractors.py); the hook runs before that parsing.
    request._parsed_query = split
    ScopeState.from_scope(request.scope).parsed_query = split


async def check_json_body(request: Request[Any, Any, Any], rules: _Rules) -> None:
    media_type = request.content_type[0].lower()
    if media_type not in JSON_MEDIA_TYPES:
        raise UnsupportedMediaType(detail="send the body as application/json")
    body = await request.body()
    try:
        raw = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise _invalid("body", "is not valid JSON") from None
    if _has_nul(raw):
        raise _nul()
    if rules.body_info is not None:
        for path in _money_errors(raw, rules.body_info, ""):
            raise _invalid(path.removeprefix("."), MONEY_DESCRIPTION)
    if rules.decoder is not None:
        try:
            rules.decoder.decode(body)
        except msgspec.ValidationError as exc:
            message, _, where = str(exc).partition(" - at `$")
            raise _invalid(where.rstrip("`").removeprefix(".") or "body", message) from None


async def strict_input(request: Request[Any, Any, Any]) -> None:
    """Litestar `before_request` hook: refuse what the document does not allow (a body nested
    too deep first, before anything decodes it)."""
    await refuse_deep_json(request)
    handler = request.route_handler
    if not isinstance(handler, HTTPRouteHandler) or not handler.include_in_schema:
        return
    rules = _rules(handler)
    check_query(request, rules.query_names)
    split_comma_lists(request, rules.list_names)
    if rules.body_type is not None:
        await check_json_body(request, rules)
    elif rules.multipart and request.content_type[0].lower() != "multipart/form-data":
        raise UnsupportedMediaType(detail="send the file as multipart/form-data")


__all__ = ["JSON_MEDIA_TYPES", "MONEY_DESCRIPTION", "MONEY_PATTERN", "strict_input"]
