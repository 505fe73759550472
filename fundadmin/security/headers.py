"""Security headers on every answer (routing 404s and error documents included).

The web pages under /web load only their own stylesheet. The API answers JSON only, so its
Content-Security-Policy allows nothing at all; the API
documentation under /schema loads its viewer from the service itself (no CDN), and gets a
policy allowing its own scripts and styles.
Transport security (TLS) is the reverse proxy's job; HSTS tells browsers to keep to it.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
WEB_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
"""The web pages: their own stylesheet and forms, no script at all (they work without one)."""
ALWAYS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Litestar `before_send` hook."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in ALWAYS.items():
        headers[name] = value
    path = str(scope.get("path", ""))
    is_docs = path.startswith("/schema")
    is_web = path == "/web" or path.startswith("/web/")
    headers["Content-Security-Policy"] = DOCS_CSP if is_docs else WEB_CSP if is_web else API_CSP
    if not is_docs:
        # Answers may carry personal data: no browser or proxy cache may keep them.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
