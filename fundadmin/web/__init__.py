"""Server-rendered pages for legal advisers, fund administrators and ministries.

The pages are a client of the same services as the API (claims, policies, reports), never a
second set of rules. They authenticate by a session cookie instead of a bearer header, so the
API's bearer middleware skips `/web`; every page resolves its visitor itself
(fundadmin.web.session).
"""

from fundadmin.web.routes import WEB_ROUTER

__all__ = ["WEB_ROUTER"]
