"""Sign-in with a password or a service account's client credentials, throttled and audited."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from jose import jwt

from tests.conftest import DEMO_PASSWORD

TOKEN = "/api/v1/auth/token"


def _person(username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    return {"username": username, "password": password}


async def _age_failures(sessions, seconds: int, *, window_too: bool = True) -> None:
    """Move recorded failures `seconds` into the past, as if time had passed (only the latest
    failure when not `window_too`: the time waited since, within one counting window)."""
    window = ", window_started_at = window_started_at - make_interval(secs => :s)"
    async with sessions() as session, session.begin():
        await session.execute(
            sa.text(
                "UPDATE sign_in_failures "
                "SET last_failure_at = last_failure_at - make_interval(secs => :s)"
                + (window if window_too else "")
            ),
            {"s": seconds},
        )


class TestPasswordSignIn:
    async def test_right_password_gives_a_bearer_token(self, client, settings) -> None:
        response = await client.post(TOKEN, json=_person("admin-se"))
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == settings.access_token_ttl_seconds
        claims = jwt.get_unverified_claims(body["access_token"])
        assert claims["scope"] == "administrator:SE"
        me = await client.get(
            "/api/v1/audit", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert me.status_code == 403

    async def test_wrong_password_and_unknown_user_answer_alike(self, client) -> None:
        wrong = await client.post(TOKEN, json=_person("admin-se", "not the password"))
        unknown = await client.post(TOKEN, json=_person("nobody-here", "not the password"))
        assert wrong.status_code == unknown.status_code == 401
        for key in ("type", "title", "detail"):
            assert wrong.json()[key] == unknown.json()[key]

    async def test_disabled_user_cannot_sign_in(self, client, sessions) -> None:
        async with sessions() as session, session.begin():
            await session.execute(
                sa.text("UPDATE user_account SET is_active = false WHERE username = 'admin-lv'")
            )
        assert (await client.post(TOKEN, json=_person("admin-lv"))).status_code == 401

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"username": "admin-se"},
            {"username": "admin-se", "password": DEMO_PASSWORD, "client_id": "x"},
            {"username": "admin-se", "password": DEMO_PASSWORD, "extra": 1},
            {"username": "admin-se", "password": "x" * 5000},
        ],
    )
    async def test_malformed_requests_are_422(self, client, body) -> None:
        response = await client.post(TOKEN, json=body)
        assert response.status_code == 422
        assert DEMO_PASSWORD not in response.text


class TestServiceAccounts:
    async def test_client_credentials_give_a_ministry_token(self, client) -> None:
        response = await client.post(
            TOKEN, json={"client_id": "ministry-se-system", "client_secret": DEMO_PASSWORD}
        )
        assert response.status_code == 200
        claims = jwt.get_unverified_claims(response.json()["access_token"])
        assert claims["scope"] == "ministry:SE"

    async def test_a_service_account_cannot_use_the_password_form(self, client) -> None:
        response = await client.post(TOKEN, json=_person("ministry-se-system"))
        assert response.status_code == 401

    async def test_a_person_cannot_use_the_client_form(self, client) -> None:
        response = await client.post(
            TOKEN, json={"client_id": "admin-se", "client_secret": DEMO_PASSWORD}
        )
        assert response.status_code == 401


class TestThrottling:
    async def test_after_three_failures_the_next_attempt_must_wait(self, client) -> None:
        for _ in range(3):
            assert (await client.post(TOKEN, json=_person("admin-se", "wrong"))).status_code == 401
        refused = await client.post(TOKEN, json=_person("admin-se"))
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["type"].endswith("/sign-in-throttled")

    async def test_the_wait_passes(self, client, sessions) -> None:
        for _ in range(3):
            await client.post(TOKEN, json=_person("admin-se", "wrong"))
        await _age_failures(sessions, 5)
        assert (await client.post(TOKEN, json=_person("admin-se"))).status_code == 200

    async def test_ten_failures_lock_the_username_for_a_while(self, client, sessions) -> None:
        for _ in range(10):
            await _age_failures(sessions, 70, window_too=False)
            await client.post(TOKEN, json=_person("admin-se", "wrong"))
        refused = await client.post(TOKEN, json=_person("admin-se"))
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 800
        async with sessions() as session:
            locked = await session.scalar(
                sa.text("SELECT count(*) FROM audit_event WHERE action = 'auth.locked_out'")
            )
        assert locked == 1
        await _age_failures(sessions, 15 * 60 + 1)
        assert (await client.post(TOKEN, json=_person("admin-se"))).status_code == 200

    async def test_a_parallel_burst_is_counted_one_by_one(self, client) -> None:
        await client.post(TOKEN, json=_person("admin-se", "wrong"))
        burst = await asyncio.gather(
            *(client.post(TOKEN, json=_person("admin-se", "wrong")) for _ in range(10))
        )
        statuses = sorted(r.status_code for r in burst)
        assert statuses == [401, 401] + [429] * 8

    async def test_unknown_and_known_usernames_are_throttled_alike(self, client) -> None:
        answers = {}
        for username in ("admin-se", "nobody-here"):
            for _ in range(3):
                await client.post(TOKEN, json=_person(username, "wrong"))
            refused = await client.post(TOKEN, json=_person(username, "wrong"))
            answers[username] = (refused.status_code, refused.json()["detail"])
        assert answers["admin-se"] == answers["nobody-here"]
        assert answers["admin-se"][0] == 429

    async def test_one_address_guessing_many_usernames_is_refused(self, client) -> None:
        for n in range(20):
            await client.post(TOKEN, json=_person(f"guess-{n}", "wrong"))
        refused = await client.post(TOKEN, json=_person("admin-se"))
        assert refused.status_code == 429

    async def test_success_clears_the_username_count(self, client) -> None:
        for _ in range(2):
            await client.post(TOKEN, json=_person("admin-se", "wrong"))
        assert (await client.post(TOKEN, json=_person("admin-se"))).status_code == 200
        for _ in range(3):
            assert (await client.post(TOKEN, json=_person("admin-se", "wrong"))).status_code == 401

    async def test_counters_hold_no_username_in_clear(self, client, sessions) -> None:
        await client.post(TOKEN, json=_person("Hunter2-typed-as-username", "wrong"))
        async with sessions() as session:
            dump = str((await session.execute(sa.text("SELECT * FROM sign_in_failures"))).all())
        assert "hunter2" not in dump.lower()


class TestSignInAudit:
    async def test_success_and_failure_are_audited_without_the_password(
        self, client, sessions
    ) -> None:
        await client.post(TOKEN, json=_person("admin-se", "a-wrong-password"))
        await client.post(TOKEN, json=_person("admin-se"))
        async with sessions() as session:
            rows = (
                await session.execute(
                    sa.text(
                        "SELECT action, actor_username, subject_type, remote_addr, "
                        "audit_event::text AS whole FROM audit_event ORDER BY seq"
                    )
                )
            ).all()
        assert [r.action for r in rows] == ["auth.sign_in_failed", "auth.sign_in"]
        assert rows[0].actor_username is None
        assert rows[1].actor_username == "admin-se"
        assert all(r.remote_addr for r in rows)
        text = " ".join(r.whole for r in rows)
        assert "a-wrong-password" not in text
        assert DEMO_PASSWORD not in text
