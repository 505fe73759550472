"""The web pages through the real app: sign-in, CSRF, session expiry, and each role's doors."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from claims.models import Claim, Payment
from fundadmin.clock import FixedClock
from fundadmin.settings import Settings
from tests.claims.conftest import LetterWorker
from tests.clock import TODAY
from tests.http import app_client
from tests.web.conftest import WEB_URL, SignIn, csrf_of


async def _other_organisations_claim(session: AsyncSession, username: str) -> str:
    """A claim filed by an organisation other than `username`'s (the Finnish adviser's)."""
    org = sa.text("SELECT organisation_id FROM user_account WHERE username = :u")
    mine = (await session.execute(org, {"u": username})).scalar_one()
    claim_id = await session.scalar(
        sa.select(Claim.id).where(Claim.organisation_id != mine).limit(1)
    )
    assert claim_id is not None
    return str(claim_id)


class TestSignIn:
    async def test_the_session_cookie_is_secure_httponly_and_strict(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        response = await sign_in_as(browser, "adviser-marta")
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if "fundadmin_session=" in c
        )
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert "samesite=strict" in cookie.lower()
        assert response.headers["location"] == "/web/claims"
        page = await browser.get("/web/claims")
        assert page.status_code == 200
        assert "Signed in as adviser-marta" in page.text

    async def test_a_wrong_password_names_the_field_and_sets_no_session(
        self, browser: httpx.AsyncClient
    ) -> None:
        form = await browser.get("/web/sign-in")
        response = await browser.post(
            "/web/sign-in",
            data={"username": "adviser-marta", "password": "wrong", "csrf_token": csrf_of(form)},
        )
        assert response.status_code == 401
        assert 'href="#username"' in response.text
        assert "There is a problem" in response.text
        assert "fundadmin_session" not in browser.cookies

    async def test_repeated_failures_are_throttled_as_in_the_api(
        self, browser: httpx.AsyncClient
    ) -> None:
        form = await browser.get("/web/sign-in")
        data = {"username": "admin-lv", "password": "wrong", "csrf_token": csrf_of(form)}
        statuses = [(await browser.post("/web/sign-in", data=data)).status_code for _ in range(12)]
        assert statuses[0] == 401
        assert statuses[-1] == 429

    async def test_a_form_without_the_csrf_token_is_refused(
        self, browser: httpx.AsyncClient
    ) -> None:
        await browser.get("/web/sign-in")
        response = await browser.post(
            "/web/sign-in", data={"username": "adviser-marta", "password": "x"}
        )
        assert response.status_code == 403
        forged = await browser.post(
            "/web/sign-in",
            data={"username": "adviser-marta", "password": "x", "csrf_token": "forged"},
        )
        assert forged.status_code == 403

    async def test_sign_out_ends_the_session(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        page = await browser.get("/web/claims")
        response = await browser.post("/web/sign-out", data={"csrf_token": csrf_of(page)})
        assert response.status_code == 303
        after = await browser.get("/web/claims")
        assert after.status_code == 303
        assert after.headers["location"].startswith("/web/sign-in")


class TestStoredSession:
    async def test_a_copied_cookie_stops_working_at_sign_out(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, app: Litestar, session: AsyncSession
    ) -> None:
        """Someone who copied her cookie is signed out with her: the server forgot it."""
        await sign_in_as(browser, "adviser-marta")
        stolen = browser.cookies["fundadmin_session"]
        page = await browser.get("/web/claims")
        await browser.post("/web/sign-out", data={"csrf_token": csrf_of(page)})
        signed_out = await session.scalar(
            sa.text("SELECT count(*) FROM audit_event WHERE action = 'auth.sign_out'")
        )
        assert signed_out == 1
        async with app_client(app) as thief:
            thief.base_url = httpx.URL(WEB_URL)
            thief.cookies.set("fundadmin_session", stolen, domain="testserver.local")
            replay = await thief.get("/web/claims")
        assert replay.status_code == 303
        assert replay.headers["location"].startswith("/web/sign-in")

    async def test_the_cookie_holds_a_secret_the_database_does_not(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        secret = browser.cookies["fundadmin_session"]
        stored = (await session.execute(sa.text("SELECT secret_hash FROM web_session"))).scalars()
        assert list(stored) == [hashlib.sha256(secret.encode()).digest()]

    async def test_signing_in_starts_a_new_session_and_ends_the_old_one(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, app: Litestar
    ) -> None:
        """A session id planted before sign-in (fixation) is never the one signed in."""
        await sign_in_as(browser, "adviser-marta")
        before = browser.cookies["fundadmin_session"]
        csrf_before = browser.cookies["fundadmin_csrf"]
        await sign_in_as(browser, "adviser-marta")
        assert browser.cookies["fundadmin_session"] != before
        assert browser.cookies["fundadmin_csrf"] != csrf_before
        assert (await browser.get("/web/claims")).status_code == 200
        async with app_client(app) as other:
            other.base_url = httpx.URL(WEB_URL)
            other.cookies.set("fundadmin_session", before, domain="testserver.local")
            assert (await other.get("/web/claims")).status_code == 303

    async def test_the_session_expires_after_inactivity(
        self,
        browser: httpx.AsyncClient,
        sign_in_as: SignIn,
        settings: Settings,
        clock: FixedClock,
        session: AsyncSession,
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        clock.advance(timedelta(seconds=settings.web_session_idle_seconds))
        response = await browser.get("/web/claims")
        assert response.status_code == 303
        assert response.headers["location"] == "/web/sign-in?expired"
        assert await session.scalar(sa.text("SELECT count(*) FROM web_session")) == 0
        clock.advance(timedelta(seconds=-settings.web_session_idle_seconds))
        assert (await browser.get("/web/claims")).status_code == 303, "ended for good"

    async def test_activity_renews_the_session(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, settings: Settings, clock: FixedClock
    ) -> None:
        """Pages each 60 % of the idle limit apart keep it open, since each renewed it."""
        await sign_in_as(browser, "adviser-marta")
        for step in (1, 2, 3):
            clock.advance(timedelta(seconds=settings.web_session_idle_seconds * 0.6))
            response = await browser.get("/web/claims")
            assert response.status_code == 200, f"step {step}"

    async def test_a_session_ends_after_its_longest_life_however_active(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, settings: Settings, clock: FixedClock
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        step = timedelta(seconds=settings.web_session_idle_seconds // 2)
        lived = timedelta()
        while lived + step < timedelta(seconds=settings.web_session_max_seconds):
            clock.advance(step)
            lived += step
            assert (await browser.get("/web/claims")).status_code == 200, lived
        clock.advance(step)
        assert (await browser.get("/web/claims")).status_code == 303

    async def test_disabling_her_account_deletes_her_sessions(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        await session.execute(
            sa.text("UPDATE user_account SET is_active = false WHERE username = :u"),
            {"u": "adviser-marta"},
        )
        await session.commit()
        assert await session.scalar(sa.text("SELECT count(*) FROM web_session")) == 0

    async def test_a_password_reset_ends_her_sessions(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        """Ended in the database, whoever writes the reset (a trigger)."""
        await sign_in_as(browser, "adviser-marta")
        await session.execute(
            sa.text("UPDATE user_account SET tokens_valid_after = now() WHERE username = :u"),
            {"u": "adviser-marta"},
        )
        await session.commit()
        response = await browser.get("/web/claims")
        assert response.status_code == 303


class TestDoors:
    async def test_without_a_session_every_page_goes_to_sign_in(
        self, browser: httpx.AsyncClient
    ) -> None:
        for path in ("/web/", "/web/claims", "/web/claims/new", "/web/queue", "/web/report"):
            response = await browser.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/web/sign-in"), path

    async def test_an_adviser_cannot_see_another_organisations_claim(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        claim_id = await _other_organisations_claim(session, "adviser-marta")
        await sign_in_as(browser, "adviser-marta")
        response = await browser.get(f"/web/claims/{claim_id}")
        assert response.status_code == 404
        assert "within your reach" in response.text

    async def test_an_administrator_cannot_see_another_countrys_claim(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        swedish = await session.scalar(sa.select(Claim.id).where(Claim.country == "SE").limit(1))
        await sign_in_as(browser, "admin-lv")
        response = await browser.get(f"/web/claims/{swedish}")
        assert response.status_code == 404
        queue = await browser.get("/web/queue?country=SE")
        assert str(swedish) not in queue.text

    @pytest.mark.parametrize("path", ["/web/claims", "/web/queue", "/web/claims/new"])
    async def test_a_ministry_reaches_no_claim_page(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession, path: str
    ) -> None:
        await sign_in_as(browser, "ministry-se")
        assert (await browser.get(path)).status_code == 403
        claim_id = await _other_organisations_claim(session, "adviser-marta")
        assert (await browser.get(f"/web/claims/{claim_id}")).status_code == 403

    async def test_an_adviser_reaches_no_review_queue_or_report(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        assert (await browser.get("/web/queue")).status_code == 403
        assert (await browser.get("/web/report")).status_code == 403

    async def test_pages_allow_no_script_and_are_not_cached(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        response = await browser.get("/web/claims")
        policy = response.headers["content-security-policy"]
        assert "script-src" not in policy
        assert "default-src 'none'" in policy
        assert response.headers["cache-control"] == "no-store"
        assert '<html lang="en">' in response.text
        assert 'href="#main"' in response.text


class TestAdviserFilesAClaim:
    async def test_estimate_then_save_then_submit(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        form_page = await browser.get("/web/claims/new")
        assert form_page.status_code == 200
        claimant = form_page.text.split('name="claimant_id">')[1].split('value="')[1].split('"')[0]
        data = {
            "csrf_token": csrf_of(form_page),
            "claimant_id": claimant,
            "country": "SE",
            "offence": "trafficking",
            "crime_date": "2025-06-01",
            "reported_to_police": "yes",
            "police_report_date": "2025-06-02",
            "head-0-category": "non_material",
            "head-0-sub_kind": "violation",
            "head-0-amount": "50000",
            "action": "estimate",
        }
        estimate = await browser.post("/web/claims/new", data=data)
        assert estimate.status_code == 200, estimate.text
        assert "Proposed in total" in estimate.text
        saved = await browser.post("/web/claims/new", data={**data, "action": "save"})
        assert saved.status_code == 303, saved.text
        claim_page = await browser.get(saved.headers["location"])
        assert "draft" in claim_page.text
        submit_url = saved.headers["location"] + "/submit"
        submitted = await browser.post(
            submit_url, data={"csrf_token": csrf_of(claim_page), "version": "1"}
        )
        assert submitted.status_code == 303, submitted.text
        after = await browser.get(saved.headers["location"])
        assert "status-submitted" in after.text

    async def test_a_bad_amount_is_named_in_the_error_summary(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "adviser-marta")
        form_page = await browser.get("/web/claims/new")
        response = await browser.post(
            "/web/claims/new",
            data={
                "csrf_token": csrf_of(form_page),
                "country": "SE",
                "offence": "trafficking",
                "crime_date": "2025-06-01",
                "head-0-category": "non_material",
                "head-0-amount": "lots",
                "action": "estimate",
            },
        )
        assert response.status_code == 400
        assert 'href="#head-0-amount"' in response.text


class TestMinistryReport:
    async def test_the_report_shows_tables_and_downloads(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "ministry-se")
        page = await browser.get("/web/report")
        assert page.status_code == 200, page.text[-1500:] + "\n" + str(page.headers)
        assert "<caption>Balances</caption>" in page.text
        csv = await browser.get("/web/report/download?country=SE&from=2026-01-01&to=2026-12-31")
        assert csv.status_code == 200
        assert csv.headers["content-type"].startswith("text/csv")
        xlsx = await browser.get(
            "/web/report/download?country=SE&from=2026-01-01&to=2026-12-31&format=xlsx"
        )
        assert xlsx.content[:2] == b"PK"
        other = await browser.get("/web/report/download?country=NO&from=2026-01-01&to=2026-12-31")
        assert other.status_code == 404

    async def test_the_charts_are_accessible_svg_beside_their_tables(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "ministry-se")
        page = (await browser.get("/web/report")).text
        for chart, table in (
            ("money-in", "money_in"),
            ("money-out", "money_out"),
            ("monthly", "monthly"),
        ):
            assert f'aria-labelledby="{chart}-title {chart}-desc"' in page
            assert f'<title id="{chart}-title">' in page
            assert f'<desc id="{chart}-desc">' in page
            assert f'href="#table-{table}"' in page
            assert f'<table id="table-{table}">' in page
        assert "<script" not in page
        assert "http://" not in page, "no outside asset"
        assert "https://" not in page, "no outside asset"
        confiscation = page.split('<desc id="money-in-desc">')[1].split("</desc>")[0]
        assert "confiscation:" in confiscation
        assert "SEK" in confiscation

    async def test_the_regional_report_charts_euro(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "ministry-region")
        page = await browser.get("/web/report?country=ALL")
        assert page.status_code == 200
        assert '<title id="money-in-title">' in page.text
        assert "Money in by source (EUR)" in page.text
        assert '<title id="monthly-title">' not in page.text


async def test_the_pages_are_not_in_the_api_document(browser: httpx.AsyncClient) -> None:
    document = (await browser.get("/schema/openapi.json")).json()
    assert [path for path in document["paths"] if path.startswith("/web")] == []


_VERSION = re.compile(r'name="version" value="(\d+)"')


async def _claim_in(session: AsyncSession, *statuses: str, country: str = "SE") -> str:
    claim_id = await session.scalar(
        sa.select(Claim.id)
        .where(Claim.country == country, Claim.status.in_(statuses))
        .order_by(Claim.reference)
        .limit(1)
    )
    assert claim_id is not None, f"the demo data has no {statuses} claim in {country}"
    return str(claim_id)


async def _form_of(browser: httpx.AsyncClient, claim_id: str) -> dict[str, str]:
    page = await browser.get(f"/web/claims/{claim_id}")
    assert page.status_code == 200, page.text
    found = _VERSION.search(page.text)
    assert found, "the claim page offers no step"
    return {"csrf_token": csrf_of(page), "version": found.group(1)}


async def _payments(session: AsyncSession, claim_id: str) -> int:
    count = sa.select(sa.func.count()).select_from(Payment).where(Payment.claim_id == claim_id)
    return int(await session.scalar(count) or 0)


class TestSecondApprovalLetterAndPayment:
    async def test_the_deciding_administrator_cannot_confirm_her_own_decision(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        claim_id = await _claim_in(session, "awaiting_second_approval")
        await sign_in_as(browser, "admin-se")
        page = await browser.get(f"/web/claims/{claim_id}")
        assert "a different administrator of SE must confirm it" in page.text
        assert "Confirm the decision" not in page.text
        form = {"csrf_token": csrf_of(page), "version": await _version(session, claim_id)}
        refused = await browser.post(f"/web/claims/{claim_id}/confirm", data=form)
        assert refused.status_code == 409
        assert "a different administrator than the one who decided must confirm" in refused.text
        assert await _status(session, claim_id) == "awaiting_second_approval"

    async def test_a_second_administrator_confirms(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        claim_id = await _claim_in(session, "awaiting_second_approval")
        await sign_in_as(browser, "admin2-se")
        form = await _form_of(browser, claim_id)
        confirmed = await browser.post(f"/web/claims/{claim_id}/confirm", data=form)
        assert confirmed.status_code == 303, confirmed.text
        after = await browser.get(f"/web/claims/{claim_id}")
        assert "status-decided" in after.text
        assert "Issue the decision letter" in after.text

    async def test_issuing_the_letter_queues_it_and_the_page_says_so_until_it_is_issued(
        self,
        browser: httpx.AsyncClient,
        sign_in_as: SignIn,
        session: AsyncSession,
        letter_worker: LetterWorker,
    ) -> None:
        claim_id = await _claim_in(session, "awaiting_second_approval")
        await sign_in_as(browser, "admin2-se")
        confirmed = await browser.post(
            f"/web/claims/{claim_id}/confirm", data=await _form_of(browser, claim_id)
        )
        assert confirmed.status_code == 303, confirmed.text
        form = await _form_of(browser, claim_id)
        asked = await browser.post(f"/web/claims/{claim_id}/letter", data=form)
        assert asked.status_code == 303, asked.text
        waiting = await browser.get(f"/web/claims/{claim_id}")
        assert "The letter is being prepared" in waiting.text
        assert 'id="issue-letter"' not in waiting.text
        assert await _status(session, claim_id) == "decided"

        await letter_worker()
        session.expire_all()
        assert await _status(session, claim_id) == "letter_issued"
        issued = await browser.get(f"/web/claims/{claim_id}")
        assert f"/web/claims/{claim_id}/letters/" in issued.text
        assert "The letter is being prepared" not in issued.text

    async def test_a_resubmitted_payment_form_pays_once(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        claim_id = await _claim_in(session, "letter_issued", "partly_paid")
        before = await _payments(session, claim_id)
        await sign_in_as(browser, "admin-se")
        form = {**await _form_of(browser, claim_id), "amount": "100", "paid_on": TODAY.isoformat()}
        first = await browser.post(f"/web/claims/{claim_id}/pay", data=form)
        assert first.status_code == 303, first.text
        again = await browser.post(f"/web/claims/{claim_id}/pay", data=form)
        assert again.status_code == 409
        assert "the record changed since you read it" in again.text
        session.expire_all()
        assert await _payments(session, claim_id) == before + 1

    async def test_a_payment_without_an_amount_names_the_field(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        claim_id = await _claim_in(session, "letter_issued", "partly_paid")
        await sign_in_as(browser, "admin-se")
        form = {**await _form_of(browser, claim_id), "amount": "", "paid_on": TODAY.isoformat()}
        response = await browser.post(f"/web/claims/{claim_id}/pay", data=form)
        assert response.status_code == 400
        assert 'href="#amount"' in response.text

    @pytest.mark.parametrize("username", ["adviser-marta", "admin-se"])
    async def test_her_adviser_and_the_administrator_download_the_letter(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession, username: str
    ) -> None:
        claim_id = await _claim_in(session, "letter_issued", "partly_paid")
        await sign_in_as(browser, username)
        page = await browser.get(f"/web/claims/{claim_id}")
        assert f"/web/claims/{claim_id}/letters/1" in page.text
        pdf = await browser.get(f"/web/claims/{claim_id}/letters/1")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        missing = await browser.get(f"/web/claims/{claim_id}/letters/99")
        assert missing.status_code == 404

    async def test_another_countrys_administrator_gets_404_on_every_new_door(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn, session: AsyncSession
    ) -> None:
        waiting = await _claim_in(session, "awaiting_second_approval")
        payable = await _claim_in(session, "letter_issued", "partly_paid")
        await sign_in_as(browser, "admin-lv")
        queue = await browser.get("/web/queue")
        form = {
            "csrf_token": csrf_of(queue),
            "version": "1",
            "amount": "1",
            "paid_on": TODAY.isoformat(),
        }
        for path in (
            f"/web/claims/{waiting}/confirm",
            f"/web/claims/{waiting}/send_back",
            f"/web/claims/{payable}/letter",
            f"/web/claims/{payable}/pay",
        ):
            response = await browser.post(path, data=form)
            assert response.status_code == 404, path
        assert (await browser.get(f"/web/claims/{payable}/letters/1")).status_code == 404
        session.expire_all()
        assert await _status(session, waiting) == "awaiting_second_approval"


async def _version(session: AsyncSession, claim_id: str) -> str:
    return str(await session.scalar(sa.select(Claim.version).where(Claim.id == claim_id)))


async def _status(session: AsyncSession, claim_id: str) -> str:
    return str(await session.scalar(sa.select(Claim.status).where(Claim.id == claim_id)))


class TestQueueSorting:
    async def test_the_queue_sorts_by_the_apis_keys_only(
        self, browser: httpx.AsyncClient, sign_in_as: SignIn
    ) -> None:
        await sign_in_as(browser, "admin-se")
        references = re.compile(r'<a href="/web/claims/[0-9a-f-]{36}">([A-Z]{2}-\d{4}-\d+)</a>')
        by_reference = await browser.get("/web/queue?country=SE&sort=reference")
        assert by_reference.status_code == 200
        shown = references.findall(by_reference.text)
        assert len(shown) > 1
        assert shown == sorted(shown)
        assert 'aria-sort="ascending"' in by_reference.text
        assert "country=SE&amp;sort=submitted_at" in by_reference.text
        unknown = await browser.get("/web/queue?country=SE&sort=claimant_name")
        assert unknown.status_code == 200
        assert "oldest submission first" in unknown.text
