"""User management by the superuser, over HTTP and on the command line; every change audited."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import URL

from fundadmin.cli import main
from fundadmin.database import create_engine
from tests.conftest import DEMO_PASSWORD

USERS = "/api/v1/users"
STRONG = "correct horse battery staple"


async def _user_id(client, headers, username: str) -> str:
    listed = (await client.get(USERS, params={"limit": 200}, headers=headers)).json()["items"]
    return next(u["id"] for u in listed if u["username"] == username)


async def _confirm_pending(client, auth, user_id: str, kind: str) -> dict:
    """The second superuser confirms the one change of `kind` waiting on the account."""
    second = await auth("superuser2")
    [change] = [
        c
        for c in (await client.get(f"{USERS}/changes", headers=second)).json()["items"]
        if c["user_id"] == user_id and c["kind"] == kind
    ]
    confirmed = await client.post(f"{USERS}/changes/{change['id']}/confirm", headers=second)
    assert confirmed.status_code == 200, confirmed.text
    return confirmed.json()


async def _audit_actions(sessions) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(sa.text("SELECT action FROM audit_event ORDER BY seq"))
        return list(rows)


class TestListUsers:
    async def test_superuser_sees_every_demo_user_with_roles(self, client, auth) -> None:
        response = await client.get(USERS, params={"limit": 200}, headers=await auth("superuser"))
        assert response.status_code == 200
        by_name = {u["username"]: u for u in response.json()["items"]}
        assert by_name["adviser-marta"]["organisation"] == "Marta Centre"
        assert by_name["adviser-marta"]["grants"] == [
            {"role": "legal_adviser", "country": "LV"},
            {"role": "legal_adviser", "country": "SE"},
        ]
        assert by_name["ministry-se-system"]["is_service"] is True
        assert "password_hash" not in response.text

    @pytest.mark.parametrize("username", ["admin-se", "auditor", "ministry-region"])
    async def test_no_other_role_may(self, client, auth, username: str) -> None:
        assert (await client.get(USERS, headers=await auth(username))).status_code == 403

    async def test_unknown_user_is_404(self, client, auth) -> None:
        response = await client.get(f"{USERS}/{uuid.uuid4()}", headers=await auth("superuser"))
        assert response.status_code == 404


class TestCreateUser:
    async def test_created_administrator_can_sign_in(self, client, auth, sessions) -> None:
        created = await client.post(
            USERS,
            headers=await auth("superuser"),
            json={
                "username": "admin-dk",
                "password": STRONG,
                "grants": [{"role": "administrator", "country": "DK"}],
            },
        )
        assert created.status_code == 201, created.text
        assert created.json()["client_secret"] is None
        signed = await client.post(
            "/api/v1/auth/token", json={"username": "admin-dk", "password": STRONG}
        )
        assert signed.status_code == 200
        assert "user.create" in await _audit_actions(sessions)

    async def test_service_account_gets_a_generated_secret_shown_once(self, client, auth) -> None:
        created = await client.post(
            USERS,
            headers=await auth("superuser"),
            json={
                "username": "ministry-lv-system",
                "is_service": True,
                "grants": [{"role": "ministry", "country": "LV"}],
            },
        )
        assert created.status_code == 201, created.text
        secret = created.json()["client_secret"]
        assert len(secret) >= 40
        signed = await client.post(
            "/api/v1/auth/token",
            json={"client_id": "ministry-lv-system", "client_secret": secret},
        )
        assert signed.status_code == 200
        listed = await client.get(USERS, params={"limit": 200}, headers=await auth("superuser"))
        assert secret not in listed.text

    @pytest.mark.parametrize(
        ("body", "status"),
        [
            (
                {
                    "username": "admin-se",
                    "password": STRONG,
                    "grants": [{"role": "auditor", "country": "*"}],
                },
                409,
            ),
            (
                {
                    "username": "weak",
                    "password": "short",
                    "grants": [{"role": "auditor", "country": "*"}],
                },
                422,
            ),
            ({"username": "nobody", "password": STRONG, "grants": []}, 422),
            (
                {
                    "username": "admin-all",
                    "password": STRONG,
                    "grants": [{"role": "administrator", "country": "*"}],
                },
                422,
            ),
            (
                {
                    "username": "admin-xx",
                    "password": STRONG,
                    "grants": [{"role": "administrator", "country": "XX"}],
                },
                422,
            ),
            (
                {
                    "username": "adviser-x",
                    "password": STRONG,
                    "grants": [{"role": "legal_adviser", "country": "SE"}],
                },
                422,
            ),
            (
                {
                    "username": "svc",
                    "is_service": True,
                    "grants": [{"role": "superuser", "country": "*"}],
                },
                422,
            ),
            (
                {
                    "username": "Anna Berzina",
                    "password": STRONG,
                    "grants": [{"role": "auditor", "country": "*"}],
                },
                422,
            ),
        ],
    )
    async def test_refusals(self, client, auth, body, status: int) -> None:
        response = await client.post(USERS, headers=await auth("superuser"), json=body)
        assert response.status_code == status, response.text
        assert STRONG not in response.text


class TestDisableUser:
    async def test_disabled_users_token_stops_working(self, client, auth, sessions) -> None:
        superuser = await auth("superuser")
        victim = await auth("auditor")
        assert (await client.get("/api/v1/audit", headers=victim)).status_code == 200
        user_id = await _user_id(client, superuser, "auditor")
        disabled = await client.post(f"{USERS}/{user_id}/disable", headers=superuser)
        assert disabled.status_code == 200
        assert disabled.json()["is_active"] is False
        assert (await client.get("/api/v1/audit", headers=victim)).status_code == 401
        assert "user.disable" in await _audit_actions(sessions)

    async def test_superuser_cannot_disable_herself(self, client, auth) -> None:
        superuser = await auth("superuser")
        user_id = await _user_id(client, superuser, "superuser")
        response = await client.post(f"{USERS}/{user_id}/disable", headers=superuser)
        assert response.status_code == 422


class TestEnableAndSecrets:
    async def test_a_disabled_user_enabled_again_signs_in(self, client, auth) -> None:
        superuser = await auth("superuser")
        user_id = await _user_id(client, superuser, "admin-lv")
        await client.post(f"{USERS}/{user_id}/disable", headers=superuser)
        enabled = await client.post(f"{USERS}/{user_id}/enable", headers=superuser)
        assert enabled.json()["is_active"] is True
        signed = await client.post(
            "/api/v1/auth/token", json={"username": "admin-lv", "password": DEMO_PASSWORD}
        )
        assert signed.status_code == 200

    async def test_a_new_service_secret_replaces_the_old_one(self, client, auth) -> None:
        superuser = await auth("superuser")
        user_id = await _user_id(client, superuser, "ministry-se-system")
        replaced = await client.post(f"{USERS}/{user_id}/secret", headers=superuser, json={})
        secret = replaced.json()["client_secret"]
        old = {"client_id": "ministry-se-system", "client_secret": DEMO_PASSWORD}
        new = {"client_id": "ministry-se-system", "client_secret": secret}
        assert (await client.post("/api/v1/auth/token", json=old)).status_code == 401
        assert (await client.post("/api/v1/auth/token", json=new)).status_code == 200

    async def test_a_persons_new_password_must_be_long_enough(self, client, auth) -> None:
        superuser = await auth("superuser")
        user_id = await _user_id(client, superuser, "admin-se")
        short = await client.post(
            f"{USERS}/{user_id}/secret", headers=superuser, json={"password": "short"}
        )
        assert short.status_code == 422
        ok = await client.post(
            f"{USERS}/{user_id}/secret", headers=superuser, json={"password": STRONG}
        )
        assert ok.status_code == 202
        assert ok.json()["client_secret"] is None
        await _confirm_pending(client, auth, user_id, "secret")
        signed = await client.post(
            "/api/v1/auth/token", json={"username": "admin-se", "password": STRONG}
        )
        assert signed.status_code == 200


class TestSetRoles:
    async def test_roles_are_replaced_and_audited_with_before_and_after(
        self, client, auth, sessions
    ) -> None:
        superuser = await auth("superuser")
        user_id = await _user_id(client, superuser, "admin-lv")
        response = await client.put(
            f"{USERS}/{user_id}/roles",
            headers=superuser,
            json={
                "grants": [
                    {"role": "administrator", "country": "LT"},
                    {"role": "auditor", "country": "*"},
                ]
            },
        )
        assert response.status_code == 202, response.text
        assert response.json()["grants"] == [{"role": "administrator", "country": "LV"}]
        await _confirm_pending(client, auth, user_id, "grants")
        granted = await client.get(f"{USERS}/{user_id}", headers=superuser)
        assert granted.json()["grants"] == [
            {"role": "administrator", "country": "LT"},
            {"role": "auditor", "country": "*"},
        ]
        async with sessions() as session:
            details = await session.scalar(
                sa.text("SELECT details FROM audit_event WHERE action = 'user.request_roles'")
            )
        assert details == {
            "before": "administrator:LV",
            "after": "administrator:LT auditor:*",
            "awaiting_confirmation": True,
        }
        assert "user.confirm_grants" in await _audit_actions(sessions)

    async def test_a_role_taken_away_stops_working_on_a_token_already_issued(
        self, client, auth
    ) -> None:
        superuser, auditor = await auth("superuser"), await auth("auditor")
        assert (await client.get("/api/v1/audit", headers=auditor)).status_code == 200
        user_id = await _user_id(client, superuser, "auditor")
        taken = await client.put(
            f"{USERS}/{user_id}/roles",
            headers=superuser,
            json={"grants": [{"role": "ministry", "country": "SE"}]},
        )
        assert taken.status_code == 200, taken.text
        # A role change ends every token issued before it.
        assert (await client.get("/api/v1/audit", headers=auditor)).status_code == 401

    async def test_a_role_given_needs_a_new_token(self, client, auth) -> None:
        superuser, admin = await auth("superuser"), await auth("admin-lv")
        user_id = await _user_id(client, superuser, "admin-lv")
        await client.put(
            f"{USERS}/{user_id}/roles",
            headers=superuser,
            json={
                "grants": [
                    {"role": "administrator", "country": "LV"},
                    {"role": "auditor", "country": "*"},
                ]
            },
        )
        await _confirm_pending(client, auth, user_id, "grants")
        assert (await client.get("/api/v1/audit", headers=admin)).status_code == 401
        assert (
            await client.get("/api/v1/audit", headers=await auth("admin-lv"))
        ).status_code == 200

    async def test_superuser_cannot_drop_her_own_superuser_role(self, client, auth) -> None:
        superuser = await auth("superuser")
        user_id = await _user_id(client, superuser, "superuser")
        response = await client.put(
            f"{USERS}/{user_id}/roles",
            headers=superuser,
            json={"grants": [{"role": "auditor", "country": "*"}]},
        )
        assert response.status_code == 403
        assert response.json()["type"].endswith("/separation-of-duties")


def _active(url: URL, username: str) -> bool:
    async def read() -> bool:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as conn:
                return bool(
                    await conn.scalar(
                        sa.text("SELECT is_active FROM user_account WHERE username = :u"),
                        {"u": username},
                    )
                )
        finally:
            await engine.dispose()

    return asyncio.run(read())


class TestUsersCommand:
    def test_create_person_with_prompted_password(self, cli: CliRunner, cli_env) -> None:
        result = cli.invoke(
            main,
            ["users", "create", "admin-fi", "--role", "administrator:FI"],
            env=cli_env,
            input=f"{STRONG}\n{STRONG}\n",
        )
        assert result.exit_code == 0, result.output
        assert STRONG not in result.output
        listed = cli.invoke(main, ["users", "list"], env=cli_env)
        assert "admin-fi\tactive\tperson\tadministrator:FI" in listed.output

    def test_create_service_account_prints_its_secret_once(self, cli: CliRunner, cli_env) -> None:
        result = cli.invoke(
            main,
            ["users", "create", "ministry-ee-system", "--service", "--role", "ministry:EE"],
            env=cli_env,
        )
        assert result.exit_code == 0, result.output
        assert "client_secret" in result.output

    def test_disable_and_roles(self, cli: CliRunner, cli_env, seeded_url: URL) -> None:
        assert cli.invoke(main, ["users", "disable", "admin-lv"], env=cli_env).exit_code == 0
        assert not _active(seeded_url, "admin-lv")
        roles = cli.invoke(
            main, ["users", "roles", "admin-se", "--role", "administrator:NO"], env=cli_env
        )
        assert roles.exit_code == 0, roles.output
        listed = cli.invoke(main, ["users", "list"], env=cli_env).output
        assert "admin-se\tactive\tperson\tadministrator:NO" in listed

    def test_enable_and_secret(self, cli: CliRunner, cli_env, seeded_url: URL) -> None:
        assert cli.invoke(main, ["users", "disable", "admin-lv"], env=cli_env).exit_code == 0
        assert cli.invoke(main, ["users", "enable", "admin-lv"], env=cli_env).exit_code == 0
        assert _active(seeded_url, "admin-lv")
        person = cli.invoke(
            main, ["users", "secret", "admin-lv"], env=cli_env, input=f"{STRONG}\n{STRONG}\n"
        )
        assert person.exit_code == 0, person.output
        assert STRONG not in person.output
        service = cli.invoke(main, ["users", "secret", "ministry-se-system"], env=cli_env)
        assert service.exit_code == 0, service.output
        assert "client_secret (shown once" in service.output

    def test_mistakes_are_one_line_errors(self, cli: CliRunner, cli_env) -> None:
        for args in (
            ["users", "disable", "nobody"],
            ["users", "roles", "admin-se", "--role", "king:SE"],
            ["users", "roles", "admin-se", "--role", "administrator"],
        ):
            result = cli.invoke(main, args, env=cli_env)
            assert result.exit_code == 1, result.output
            assert "Traceback" not in result.output
            assert "Error:" in result.output

    def test_a_short_password_is_refused(self, cli: CliRunner, cli_env) -> None:
        result = cli.invoke(
            main,
            ["users", "create", "weak-user", "--role", "auditor:*"],
            env=cli_env,
            input="short-pw\nshort-pw\n",
        )
        assert result.exit_code == 1
        assert "at least 12" in result.output
