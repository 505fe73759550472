"""Pages in English and in the visitor's country's language: the switch, the browser's wish,
and catalogues that match the templates."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po

from fundadmin.web import i18n
from tests.web.conftest import SignIn, csrf_of

LOCALE = Path(i18n.__file__).parent / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


class TestCatalogues:
    @pytest.mark.parametrize("language", sorted(set(i18n.COUNTRY_LANGUAGES.values())))
    def test_every_text_of_the_pages_is_translated_with_its_placeholders(
        self, language: str
    ) -> None:
        with (LOCALE / "web.pot").open("rb") as pot:
            wanted = {m.id for m in read_po(pot) if m.id}
        with (LOCALE / language / "LC_MESSAGES" / "web.po").open("rb") as po:
            catalogue = read_po(po, locale=language)
        have = {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}
        assert sorted(wanted - set(have)) == [], "run pybabel update and translate"
        for english, translated in have.items():
            assert sorted(PLACEHOLDER.findall(english)) == sorted(
                PLACEHOLDER.findall(translated)
            ), english


class TestChoice:
    def test_her_countries_languages_are_offered_after_english(self) -> None:
        assert i18n.choose(["en", "sv"], None, "sv-SE,sv;q=0.9,en;q=0.5") == "sv"
        assert i18n.choose(["en", "sv"], None, "de-DE,fr;q=0.8") == "en"
        assert i18n.choose(["en", "nb"], None, "no;q=0.9") == "nb"
        assert i18n.choose(["en", "sv"], "en", "sv") == "en", "her switch wins"
        assert i18n.choose(["en", "sv"], "fi", "sv") == "sv", "only what is offered to her"


class TestPages:
    async def test_a_swedish_browser_gets_swedish_pages_and_numbers(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        browser.headers["Accept-Language"] = "sv-SE,sv;q=0.9"
        await sign_in_as(browser, "ministry-se")
        page = await browser.get("/web/report")
        assert '<html lang="sv">' in page.text
        assert "Fördelningsrapport" in page.text
        assert "Inbetalningar per källa" in page.text
        assert re.search(r"\d{1,3}(\xa0\d{3})+,\d{2} SEK", page.text), "Swedish digits"

    async def test_the_switch_changes_the_language_and_returns_to_the_page(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "admin-se")
        queue = await browser.get("/web/queue?status=submitted")
        assert '<html lang="en">' in queue.text
        assert 'value="sv" lang="sv"' in queue.text
        switched = await browser.post(
            "/web/language",
            data={
                "csrf_token": csrf_of(queue),
                "language": "sv",
                "next": "/web/queue?status=submitted",
            },
        )
        assert switched.status_code == 303
        assert switched.headers["location"] == "/web/queue?status=submitted"
        again = await browser.get(switched.headers["location"])
        assert '<html lang="sv">' in again.text
        assert "Handläggningskö" in again.text
        assert "under handläggning" in again.text

    async def test_only_her_countries_languages_are_offered(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "admin-se")
        page = (await browser.get("/web/queue")).text
        offered = re.findall(r'lang="(\w+)"', page.split('class="language-switch"')[1])
        assert sorted(set(offered)) == ["en", "sv"]

    async def test_the_switch_goes_back_only_to_pages_here(
        self, browser: httpx.AsyncClient
    ) -> None:
        form = await browser.get("/web/sign-in")
        for target in ("https://evil.example/", "//evil.example/web/", "/web/\\evil"):
            response = await browser.post(
                "/web/language",
                data={"csrf_token": csrf_of(form), "language": "fi", "next": target},
            )
            assert response.headers["location"] == "/web/", target

    async def test_the_switch_needs_the_csrf_token(self, browser: httpx.AsyncClient) -> None:
        await browser.get("/web/sign-in")
        response = await browser.post("/web/language", data={"language": "fi", "next": "/web/"})
        assert response.status_code == 403
