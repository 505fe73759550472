"""Issue 12, high and medium: a superuser cannot reach personal data or act as another person
alone, and no account holds roles that let one person file, decide and pay the same claim.

Each test performs the attack over HTTP as the demo users and checks that nothing changed.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL

from tests.claims.conftest import Driver
from tests.conftest import DEMO_PASSWORD


@pytest.fixture
def driver(client: Any, auth: Any) -> Driver:
    return Driver(client, auth)


USERS = "/api/v1/users"
NEW_PASSWORD = "a different long passphrase"


async def _user(client: Any, headers: dict[str, str], username: str) -> dict[str, Any]:
    listed = (await client.get(USERS, params={"limit": 200}, headers=headers)).json()["items"]
    return next(u for u in listed if u["username"] == username)


async def _sign_in(client: Any, username: str, password: str) -> int:
    response = await client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}
    )
    return int(response.status_code)


async def _token(client: Any, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


class TestSuperuserCannotReachPersonalData:
    async def test_she_cannot_give_herself_a_data_role(self, client, driver: Driver) -> None:
        claimant = await driver.register()
        superuser = await _token(client, "superuser")
        me = await _user(client, superuser, "superuser")

        response = await client.put(
            f"{USERS}/{me['id']}/roles",
            headers=superuser,
            json={
                "grants": [
                    {"role": "superuser", "country": "*"},
                    {"role": "administrator", "country": "SE"},
                ]
            },
        )
        assert response.status_code == 403
        assert response.json()["type"].endswith("/separation-of-duties")

        # Signed in again, she still has only her superuser role, and the claimant stays closed.
        again = await _token(client, "superuser")
        assert (await _user(client, again, "superuser"))["grants"] == me["grants"]
        read = await client.get(f"/api/v1/claimants/{claimant['id']}", headers=again)
        assert read.status_code == 403

    async def test_no_superuser_may_hold_a_data_role_even_with_a_colleague(self, client) -> None:
        superuser = await _token(client, "superuser")
        colleague = await _user(client, superuser, "superuser2")
        for role in ("administrator", "legal_adviser", "auditor"):
            response = await client.put(
                f"{USERS}/{colleague['id']}/roles",
                headers=superuser,
                json={
                    "grants": [
                        {"role": "superuser", "country": "*"},
                        {"role": role, "country": "SE" if role != "auditor" else "*"},
                    ],
                    "organisation": "Marta Centre",
                },
            )
            assert response.status_code == 422, response.text
        assert (await _user(client, superuser, "superuser2"))["grants"] == colleague["grants"]

    async def test_the_database_refuses_a_superuser_with_a_data_role(
        self, database_url: URL
    ) -> None:
        conn = await asyncpg.connect(
            database_url.set(drivername="postgresql").render_as_string(hide_password=False)
        )
        try:
            superuser = await conn.fetchval(
                "SELECT id FROM user_account WHERE username = 'superuser'"
            )
            with pytest.raises(asyncpg.CheckViolationError, match="superuser holds no role"):
                await conn.execute(
                    "INSERT INTO role_grant (user_id, role, country) "
                    "VALUES ($1, 'administrator', 'SE')",
                    superuser,
                )
        finally:
            await conn.close()


class TestSuperuserCannotBecomeAnotherPerson:
    async def test_a_password_she_sets_for_an_administrator_waits_for_a_second_superuser(
        self, client
    ) -> None:
        superuser = await _token(client, "superuser")
        admin_lv = await _user(client, superuser, "admin-lv")

        response = await client.post(
            f"{USERS}/{admin_lv['id']}/secret", headers=superuser, json={"password": NEW_PASSWORD}
        )
        assert response.status_code == 202, response.text
        change = response.json()["pending_change"]
        assert change["status"] == "pending"

        # She cannot sign in as the administrator, nor confirm her own request.
        assert await _sign_in(client, "admin-lv", NEW_PASSWORD) == 401
        assert await _sign_in(client, "admin-lv", DEMO_PASSWORD) == 200
        own = await client.post(f"{USERS}/changes/{change['id']}/confirm", headers=superuser)
        assert own.status_code == 403
        assert await _sign_in(client, "admin-lv", NEW_PASSWORD) == 401

        # The administrator sees what was asked about her account, and by whom.
        admin = await _token(client, "admin-lv")
        seen = (await client.get("/api/v1/me/account-changes", headers=admin)).json()["items"]
        assert [(c["kind"], c["status"], c["requested_by"]) for c in seen] == [
            ("secret", "pending", (await _user(client, superuser, "superuser"))["id"])
        ]

        # A second superuser confirms: only now does the new password work.
        second = await _token(client, "superuser2")
        confirmed = await client.post(f"{USERS}/changes/{change['id']}/confirm", headers=second)
        assert confirmed.status_code == 200, confirmed.text
        assert await _sign_in(client, "admin-lv", NEW_PASSWORD) == 200
        assert await _sign_in(client, "admin-lv", DEMO_PASSWORD) == 401

    async def test_a_data_role_granted_by_one_superuser_waits_and_can_be_rejected(
        self, client
    ) -> None:
        superuser = await _token(client, "superuser")
        ministry = await _user(client, superuser, "ministry-se")
        response = await client.put(
            f"{USERS}/{ministry['id']}/roles",
            headers=superuser,
            json={"grants": [{"role": "administrator", "country": "SE"}]},
        )
        assert response.status_code == 202
        assert response.json()["grants"] == ministry["grants"]
        [change] = response.json()["pending_changes"]
        second = await _token(client, "superuser2")
        rejected = await client.post(f"{USERS}/changes/{change['id']}/reject", headers=second)
        assert rejected.json()["status"] == "rejected"
        assert (await _user(client, superuser, "ministry-se"))["grants"] == ministry["grants"]


class TestConflictingRoles:
    async def test_no_account_is_adviser_and_administrator_in_one_country(self, client) -> None:
        superuser = await _token(client, "superuser")
        response = await client.post(
            USERS,
            headers=superuser,
            json={
                "username": "both-hats",
                "password": NEW_PASSWORD,
                "organisation": "Marta Centre",
                "grants": [
                    {"role": "legal_adviser", "country": "SE"},
                    {"role": "administrator", "country": "SE"},
                ],
            },
        )
        assert response.status_code == 422
        assert "both-hats" not in {
            u["username"]
            for u in (await client.get(USERS, params={"limit": 200}, headers=superuser)).json()[
                "items"
            ]
        }

    async def test_an_administrator_cannot_decide_her_own_organisations_claim(
        self, client, driver: Driver
    ) -> None:
        claim = await driver.submitted("SE")
        superuser = await _token(client, "superuser")
        created = await client.post(
            USERS,
            headers=superuser,
            json={
                "username": "admin-marta",
                "password": NEW_PASSWORD,
                "organisation": "Marta Centre",
                "grants": [{"role": "administrator", "country": "SE"}],
            },
        )
        assert created.status_code == 201, created.text
        [change] = created.json()["user"]["pending_changes"]
        second = await _token(client, "superuser2")
        await client.post(f"{USERS}/changes/{change['id']}/confirm", headers=second)

        insider = await _token(client, "admin-marta", NEW_PASSWORD)
        response = await client.post(
            f"/api/v1/claims/{claim['id']}/review",
            headers={**insider, "If-Match": f'"{claim["version"]}"'},
            json={},
        )
        assert response.status_code == 404
        assert (await driver.get(claim))["status"] == "submitted"


class TestTokensEndWithWhatEndedThem:
    async def test_a_password_reset_ends_the_tokens_issued_before_it(self, client) -> None:
        old = await _token(client, "ministry-se")
        assert (await client.get("/api/v1/me/account-changes", headers=old)).status_code == 200
        superuser = await _token(client, "superuser")
        ministry = await _user(client, superuser, "ministry-se")
        reset = await client.post(
            f"{USERS}/{ministry['id']}/secret", headers=superuser, json={"password": NEW_PASSWORD}
        )
        assert reset.status_code == 200
        assert (await client.get("/api/v1/me/account-changes", headers=old)).status_code == 401

    async def test_tokens_from_before_a_disable_stay_dead_after_enabling(self, client) -> None:
        old = await _token(client, "auditor")
        superuser = await _token(client, "superuser")
        auditor = await _user(client, superuser, "auditor")
        await client.post(f"{USERS}/{auditor['id']}/disable", headers=superuser)
        enabled = await client.post(f"{USERS}/{auditor['id']}/enable", headers=superuser)
        assert enabled.status_code == 200
        assert (await client.get("/api/v1/audit", headers=old)).status_code == 401
