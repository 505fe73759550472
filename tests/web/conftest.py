"""Fixtures for the web pages: a browser-like client over HTTPS (the session cookie is Secure)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from litestar import Litestar

from tests.conftest import DEMO_PASSWORD
from tests.http import app_client

WEB_URL = "https://testserver.local"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found, "the page has no CSRF field"
    return found.group(1)


@pytest.fixture
async def browser(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A client keeping cookies as a browser does, on https (Secure cookies are sent back)."""
    async with app_client(app) as client:
        client.base_url = httpx.URL(WEB_URL)
        yield client


SignIn = Callable[[httpx.AsyncClient, str], Awaitable[httpx.Response]]


@pytest.fixture
def sign_in_as() -> SignIn:
    async def sign_in(client: httpx.AsyncClient, username: str) -> httpx.Response:
        form = await client.get("/web/sign-in")
        response = await client.post(
            "/web/sign-in",
            data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf_of(form)},
        )
        assert response.status_code == 303, response.text
        return response

    return sign_in
