"""The OpenAPI document says what the server does: one place that completes what Litestar
generates from the handlers, so every route, present and future, is described the same way.

- operation ids are `<tag>_<handler>` (`claims_decide`);
- a 201 names what it created in `Location`; a 202 where its result will be (`Location`) and
  where to follow the work (`Link`, rel `monitor`);
- every error answer is the one shared `Problem` schema as `application/problem+json`, for the
  statuses the route can really give (401/403 when signed in, 409/413/415 on writes, 412/428 with
  `If-Match`, 422 and 503 everywhere, 400 on writes whose body cannot be read at all: malformed
  multipart, JSON nested too deeply);
- `If-Match` is required (the server answers 428 without it), except where its description
  starts "Optional: " (ledger transactions, user accounts);
- a route's rules beyond its schema (`fundadmin.api.conventions.business_rules`) are the
  operation's `x-business-rules` and are stated in its 422's description;
- money is one decimal-string type with one pattern (see `fundadmin.api.strict`);
- every text the request may carry says it holds no NUL character (`NO_NUL_PATTERN`), since
  `fundadmin.api.strict` refuses one (PostgreSQL cannot store it);
- every list takes the shared `after` and `limit` parameters and answers an `<Item>Page`
  (`items`, `next`), see `fundadmin.api.pagination`;
- the documentation's viewer loads its assets from the service (the `swagger-ui-py` package).
"""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import msgspec
import swagger_ui
from litestar import Request, Router
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, OpenAPIType, Schema, SecurityScheme
from litestar.plugins import OpenAPISchemaPlugin
from litestar.static_files import create_static_files_router
from litestar.types import Method
from litestar.typing import FieldDefinition

from fundadmin.api.conventions import BUSINESS_RULES, OPTIONAL_IF_MATCH
from fundadmin.errors import PROBLEM_MEDIA_TYPE
from fundadmin.idempotency import IDEMPOTENCY_HEADER, IDEMPOTENT, KEY_PATTERN
from fundadmin.security.guards import PUBLIC
from ledger.schemas import MONEY_DESCRIPTION, MONEY_PATTERN

SCHEMA_PATH = "/schema"
ASSETS_PATH = f"{SCHEMA_PATH}/assets"
_SWAGGER_ASSETS = Path(swagger_ui.__file__).parent / "static"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "An RFC 9457 problem document. No personal data is ever in it.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Which fields of the request are wrong and why (422 only).",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

_PROBLEM_DESCRIPTIONS = {
    "400": "The body cannot be read (malformed multipart, JSON nested too deeply)",
    "401": "No valid bearer token",
    "403": "Your role or grants do not allow this",
    "404": "No such resource in your scope",
    "405": "Method not allowed on this path (the Allow header lists those that are)",
    "409": "Conflicts with the current state",
    "412": "If-Match names a version that is no longer current",
    "413": "Request body too large",
    "415": "Request body is not of the media type this operation reads",
    "422": "The request is not valid (see `errors`)",
    "428": "If-Match is required",
    "429": "Too many attempts; retry after the time in Retry-After",
    "503": "The database is unavailable; retry after the time in Retry-After",
}
_WRITES = {"post", "put", "patch", "delete"}


def operation_id(
    route_handler: HTTPRouteHandler,
    http_method: Method,  # noqa: ARG001 (Litestar's OperationIDCreator signature)
    path_components: list[Any],  # noqa: ARG001
) -> str:
    """`<tag>_<handler>`: short, readable, and stable when a path changes."""
    tags = route_handler.resolve_tags()
    prefix = tags[0] if tags else "service"
    return f"{prefix}_{route_handler.handler_name}".replace("-", "_").replace(" ", "_")


class MoneySchemaPlugin(OpenAPISchemaPlugin):
    """Every decimal on the wire is money: a JSON string with the one money pattern."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return value is Decimal

    def to_openapi_schema(
        self,
        field_definition: FieldDefinition,  # noqa: ARG002 (one schema for every decimal)
        schema_creator: Any,  # noqa: ARG002
    ) -> Schema:
        return Schema(
            type=OpenAPIType.STRING,
            pattern=MONEY_PATTERN,
            description=MONEY_DESCRIPTION,
            examples=["1000.00"],
        )


def _text_schema(annotation: Any) -> Schema | None:
    """The schema of `str` or of `Annotated[str, msgspec.Meta(...)]` with its constraints."""
    if annotation is str:
        return Schema(type=OpenAPIType.STRING)
    if get_origin(annotation) is not Annotated or get_args(annotation)[0] is not str:
        return None
    meta = next((m for m in get_args(annotation)[1:] if isinstance(m, msgspec.Meta)), None)
    if meta is None:
        return Schema(type=OpenAPIType.STRING)
    return Schema(
        type=OpenAPIType.STRING,
        pattern=meta.pattern,
        min_length=meta.min_length,
        max_length=meta.max_length,
        description=meta.description,
    )


class TextMappingSchemaPlugin(OpenAPISchemaPlugin):
    """A `dict` of constrained texts keeps its keys' and values' constraints in the document
    (Litestar renders any `dict[str, X]` as `additionalProperties: {type: string}`, so the rate
    pattern of a transaction's `exchange_rates` was the server's secret)."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        args = get_args(field_definition.annotation)
        return (
            get_origin(field_definition.annotation) is dict
            and len(args) == 2
            and all(_text_schema(arg) is not None for arg in args)
            and any(get_origin(arg) is Annotated for arg in args)
        )

    def to_openapi_schema(
        self,
        field_definition: FieldDefinition,
        schema_creator: Any,  # noqa: ARG002
    ) -> Schema:
        key, value = (_text_schema(arg) for arg in get_args(field_definition.annotation))
        return Schema(
            type=OpenAPIType.OBJECT,
            property_names=key if key is not None and key.pattern else None,
            additional_properties=value,
        )


IDEMPOTENCY_KEY_PARAMETER = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": True,
    "description": "Unique per intended operation: a retry with the same key and body is answered "
    "once, with the first answer (and `Idempotent-Replayed: true`); the same key with another "
    "body is 409.",
    "schema": {"type": "string", "pattern": KEY_PATTERN, "minLength": 1, "maxLength": 255},
}


IF_NONE_MATCH_PARAMETER = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag you hold: 304 without a body while it is current.",
    "schema": {"type": "string"},
}


NO_NUL_PATTERN = r"^[^\u0000]*$"
"""A text without NUL, in the regular-expression syntax of JSON Schema (ECMA-262) and Python."""


NAMES_ONE_OF: dict[str, tuple[str, ...]] = {"RecoveryIn": ("claim_id", "case_reference")}
"""Request bodies whose fields are each optional but of which at least one must be given (the
service answers 422 otherwise): the document states it as `anyOf`, each option requiring its
field as a value, since `null` names nothing."""


def _require_one_of(name: str, schema: dict[str, Any]) -> None:
    fields = NAMES_ONE_OF.get(name)
    if not fields:
        return
    properties = schema.get("properties", {})
    schema["anyOf"] = [
        {
            "required": [field],
            "properties": {
                field: next(
                    (o for o in properties[field].get("oneOf", []) if o.get("type") != "null"),
                    properties[field],
                )
            },
        }
        for field in fields
    ]


def _refuse_nul(schema: Any) -> None:
    """Every free text in `schema` (at any depth) states that it holds no NUL; a text with its
    own pattern, enumeration or binary content already excludes it."""
    if isinstance(schema, list):
        for item in schema:
            _refuse_nul(item)
        return
    if not isinstance(schema, dict):
        return
    kind = schema.get("type")
    if (
        (kind == "string" or (isinstance(kind, list) and "string" in kind))
        and not {"pattern", "enum", "const"} & set(schema)
        and schema.get("format") != "binary"
    ):
        schema["pattern"] = NO_NUL_PATTERN
    for value in schema.values():
        if isinstance(value, dict | list):
            _refuse_nul(value)


def _declare_location(responses: dict[str, Any]) -> None:
    """Every 201 names what it created in `Location`."""
    created = responses.get("201")
    if created is not None and "$ref" not in created:
        location = created.setdefault("headers", {}).setdefault(
            "Location",
            {"schema": {"type": "string"}, "description": "Where what was created is read."},
        )
        location["required"] = True


def _declare_accepted(responses: dict[str, Any]) -> None:
    """Every 202 says where its result will be read and where to follow the work meanwhile."""
    accepted = responses.get("202")
    if accepted is not None and "$ref" not in accepted:
        headers = accepted.setdefault("headers", {})
        headers["Location"] = {
            "schema": {"type": "string"},
            "required": True,
            "description": "Where the result will be read once done (404 until then).",
        }
        headers["Link"] = {
            "schema": {"type": "string"},
            "required": True,
            "description": "Where to follow the work (RFC 5989): "
            '`</api/v1/claims/{id}/letter-jobs/{job}>; rel="monitor"`, answering queued, '
            "doing, succeeded or failed.",
        }


def _describe_lists(parameters: list[dict[str, Any]]) -> None:
    """A multi-valued filter says how it takes several values (fundadmin.api.strict)."""
    for parameter in parameters:
        schema = parameter.get("schema", {})
        if parameter.get("in") == "query" and any(
            option.get("type") == "array" for option in schema.get("oneOf", [schema])
        ):
            parameter["description"] = (
                "Several values: a comma list (`a,b`) or the parameter repeated; "
                "a value not allowed is 422 naming it."
            )


BUSINESS_RULES_EXTENSION = "x-business-rules"


def _complete_operation(
    method: str,
    operation: dict[str, Any],
    *,
    public: bool,
    idempotent: bool,
    rules: tuple[str, ...] = (),
) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("400", None)
    if public:
        operation["security"] = []
    parameters = operation.setdefault("parameters", [])
    if idempotent:
        parameters.append(dict(IDEMPOTENCY_KEY_PARAMETER))
    if method == "get" and "ETag" in responses.get("200", {}).get("headers", {}):
        parameters.append(dict(IF_NONE_MATCH_PARAMETER))
        responses["304"] = {
            "description": "Not modified: If-None-Match names the current ETag",
            "headers": {"ETag": {"schema": {"type": "string"}}},
        }
    _declare_location(responses)
    _declare_accepted(responses)
    _describe_lists(parameters)
    _refuse_nul([p.get("schema") for p in parameters if p.get("in") in {"query", "path"}])
    has_if_match = requires_if_match = False
    for parameter in parameters:
        if parameter.get("in") == "header" and parameter.get("name", "").lower() == "if-match":
            required = not parameter.get("description", "").startswith(OPTIONAL_IF_MATCH)
            parameter["required"] = required
            parameter["schema"] = {"type": "string"}
            has_if_match = True
            requires_if_match = requires_if_match or required
    statuses = ["404", "422", "503"]
    if not public:
        statuses += ["401", "403"]
    else:
        statuses += ["429"]
        if method in _WRITES:
            statuses += ["401"]  # sign-in with wrong credentials
    if method in _WRITES:
        statuses += ["400", "409", "413", "415"]
    if has_if_match:
        statuses += ["412", "428"] if requires_if_match else ["412"]
    for status in sorted(statuses):
        responses[status] = {"$ref": f"#/components/responses/Problem{status}"}
    if rules:
        operation[BUSINESS_RULES_EXTENSION] = list(rules)
        # OpenAPI 3.1: a reference's description overrides the referenced one's.
        responses["422"]["description"] = (
            f"{_PROBLEM_DESCRIPTIONS['422']}; also refused, though the schema allows it: "
            + "; ".join(rule.rstrip(".") for rule in rules)
            + "."
        )


_PAGE_SCHEMA = re.compile(r"^Page_(?:[\w]+\.)*(\w+)_$")
_SHARED_PARAMETERS = {"after": "After", "limit": "Limit"}


def _share_pagination(document: dict[str, Any]) -> dict[str, Any]:
    """Each `Page[X]` schema named `XPage` (Litestar names it after X's module), and every
    list's `after` and `limit` the one shared parameter each."""
    schemas = document.get("components", {}).get("schemas", {})
    renames = {
        name: f"{match.group(1)}Page" for name in schemas if (match := _PAGE_SCHEMA.match(name))
    }
    text = json.dumps(document, default=str)
    for old, new in renames.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    document = json.loads(text)
    schemas = document.get("components", {}).get("schemas", {})
    for old, new in renames.items():
        schema = schemas.pop(old)
        schema["title"] = new
        schema["description"] = (
            "A page of a list: `next` is the cursor of the next page (pass it as `after`), "
            "null on the last page."
        )
        schemas[new] = schema
    shared: dict[str, Any] = {}
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            parameters = operation.get("parameters", [])
            for index, parameter in enumerate(parameters):
                name = _SHARED_PARAMETERS.get(parameter.get("name", ""))
                # One that differs from the first stays inline: the pagination test finds it.
                if (
                    name
                    and parameter.get("in") == "query"
                    and shared.setdefault(name, parameter) == parameter
                ):
                    parameters[index] = {"$ref": f"#/components/parameters/{name}"}
    if shared:
        document.setdefault("components", {})["parameters"] = shared
    return document


def complete_document(
    document: dict[str, Any],
    public: set[str],
    idempotent: set[str],
    rules: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, Any]:
    """The generated document, completed with the service's conventions (a new dict);
    `public` are the operation ids anyone may call (no 401/403), `idempotent` those that
    require an Idempotency-Key, `rules` each operation's rules beyond its schema."""
    rules = rules or {}
    document = _share_pagination(copy.deepcopy(document))
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components["responses"] = {
        f"Problem{status}": {
            "description": description,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status, description in _PROBLEM_DESCRIPTIONS.items()
    }
    for name, schema in components["schemas"].items():
        # Every request body type forbids unknown fields (a misspelt field is 422, never
        # ignored), and no answer carries fields beyond its schema; only problem documents
        # have extension members.
        if name != "Problem" and schema.get("type") == "object" and "properties" in schema:
            schema.setdefault("additionalProperties", False)
        if name != "Problem":
            _refuse_nul(schema)
            _require_one_of(name, schema)
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                name = operation.get("operationId")
                _complete_operation(
                    method,
                    operation,
                    public=name in public,
                    idempotent=name in idempotent,
                    rules=rules.get(name, ()),
                )
                if name in idempotent:
                    _declare_etag(operation["responses"], components["schemas"])
    return document


def _declare_etag(responses: dict[str, Any], schemas: dict[str, Any]) -> None:
    """An idempotent answer is raw JSON, so Litestar documents none of its headers: the ETag is
    declared where the answered record has a `version` (fundadmin.api.steps.tagged sets it then)."""
    for status in ("200", "201"):
        answer = responses.get(status, {})
        reference = answer.get("content", {}).get("application/json", {}).get("schema", {})
        schema = schemas.get(reference.get("$ref", "").rpartition("/")[2], {})
        if "version" in schema.get("properties", {}):
            answer.setdefault("headers", {})["ETag"] = {
                "schema": {"type": "string"},
                "description": "The record's version; send it back as If-Match to change it.",
            }


def _options(request: Request[Any, Any, Any], option: str) -> dict[str, Any]:
    """Each operation id whose handler's `opt` sets `option`, with its value."""
    return {
        operation_id(handler, "GET", []): handler.opt[option]
        for route in request.app.routes
        for handler in getattr(route, "route_handlers", [])
        if isinstance(handler, HTTPRouteHandler) and handler.opt.get(option)
    }


class _Completed:
    """Memoizes the completed document: Litestar hands the same generated one every time."""

    def __init__(self) -> None:
        self._source: dict[str, Any] | None = None
        self._document: dict[str, Any] = {}

    def __call__(
        self, request: Request[Any, Any, Any], generated: dict[str, Any]
    ) -> dict[str, Any]:
        if self._source is not generated:
            self._document = complete_document(
                generated,
                set(_options(request, next(iter(PUBLIC)))),
                set(_options(request, next(iter(IDEMPOTENT)))),
                _options(request, BUSINESS_RULES),
            )
            self._source = generated
        return self._document


served_document = _Completed()
"""The document as served (`/schema/openapi.json`) and rendered (`/schema`)."""


class DocumentJson(JsonRenderPlugin):
    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, served_document(request, openapi_schema))


class DocumentSwagger(SwaggerRenderPlugin):
    """Swagger UI from the service's own assets: the documentation works offline."""

    def __init__(self) -> None:
        super().__init__(
            js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
            path="/",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, served_document(request, openapi_schema))


def documentation_assets() -> Router:
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[_SWAGGER_ASSETS],
        include_in_schema=False,
        opt=PUBLIC,
    )


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="fundadmin",
        version="1",
        description="Crime-victims' funds of the Nordic and Baltic countries. Every error is an "
        "RFC 9457 problem document (`application/problem+json`); every write answers the "
        "record's new `ETag`; money is a decimal string.",
        path=SCHEMA_PATH,
        render_plugins=[DocumentSwagger(), DocumentJson()],
        operation_id_creator=operation_id,
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            }
        ),
        security=[{"bearer": []}],
    )
