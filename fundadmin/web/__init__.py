"""Server-rendered pages for legal advisers, fund administrators and ministries.

The pages are a client of the same services as the API (claims, policies, reports), never a
second set of rules. They authenticate by a session cookie instead of a bearer header, so the
API's bearer middleware skips `/web`; every page resolves its visitor itself
(fundadmin.web.session).
"""

from fundadmin.web.administrator import ADMINISTRATOR_PAGES
from fundadmin.web.adviser import ADVISER_PAGES
from fundadmin.web.language import LANGUAGE_PAGES
from fundadmin.web.routes import WEB_ROUTER

# The pages of each role live in their own module, which builds on routes' page frame; they
# join the one /web router here, so they share its session dependency and failure pages.
for _page in [*ADVISER_PAGES, *ADMINISTRATOR_PAGES, *LANGUAGE_PAGES]:
    WEB_ROUTER.register(_page)

__all__ = ["WEB_ROUTER"]
