"""The language switch: her choice kept in a cookie, then back to the page she was on."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.datastructures import Cookie
from litestar.response import Redirect

from fundadmin.web import i18n
from fundadmin.web.session import check_csrf

CHOICE_SECONDS = 365 * 24 * 3600
"""How long the browser keeps her choice."""


def _back_to(target: str) -> str:
    """`target` when it is one of the pages here, else the start page (never another site)."""
    if target.startswith("/web/") and "//" not in target and "\\" not in target:
        return target
    return "/web/"


@post("/language", include_in_schema=False)
async def switch_language(request: Request[Any, Any, Any]) -> Redirect:
    await check_csrf(request)
    form = await request.form()
    chosen = str(form.get("language", ""))
    cookies = []
    if chosen in i18n.LANGUAGES:
        cookies.append(
            Cookie(
                key=i18n.LANGUAGE_COOKIE,
                value=chosen,
                path="/web",
                secure=True,
                httponly=True,
                samesite="strict",
                max_age=CHOICE_SECONDS,
            )
        )
    return Redirect(_back_to(str(form.get("next", ""))), status_code=303, cookies=cookies)


LANGUAGE_PAGES = [switch_language]
