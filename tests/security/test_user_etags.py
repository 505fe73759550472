"""A user account's ETag: every write answers the new one, a read answers 304 when nothing
changed, and a write that sends If-Match is refused (412) when the account changed since or the
tag is weak."""

from __future__ import annotations

from tests.security.test_users import STRONG, USERS, _user_id


class TestUserETags:
    async def test_create_answers_the_etag_that_a_read_then_matches(self, client, auth) -> None:
        superuser = await auth("superuser")
        created = await client.post(
            USERS,
            headers=superuser,
            json={
                "username": "auditor-etag",
                "password": STRONG,
                "grants": [{"role": "auditor", "country": "SE"}],
            },
        )
        assert created.status_code == 201, created.text
        tag = created.headers["etag"]
        assert tag == f'"{created.json()["user"]["version"]}"'
        read = await client.get(created.headers["location"], headers=superuser)
        assert read.headers["etag"] == tag
        unchanged = await client.get(
            created.headers["location"], headers={**superuser, "If-None-Match": tag}
        )
        assert unchanged.status_code == 304
        assert unchanged.content == b""

    async def test_every_write_answers_a_new_etag(self, client, auth) -> None:
        superuser = await auth("superuser")
        user_id = await _user_id(client, superuser, "ministry-se")
        first = (await client.get(f"{USERS}/{user_id}", headers=superuser)).headers["etag"]
        disabled = await client.post(f"{USERS}/{user_id}/disable", headers=superuser)
        enabled = await client.post(f"{USERS}/{user_id}/enable", headers=superuser)
        roles = await client.put(
            f"{USERS}/{user_id}/roles",
            headers=superuser,
            json={"grants": [{"role": "ministry", "country": "FI"}]},
        )
        secret = await client.post(
            f"{USERS}/{user_id}/secret", headers=superuser, json={"password": STRONG}
        )
        writes = (disabled, enabled, roles, secret)
        assert [r.status_code for r in writes] == [200] * 4, [r.text for r in writes]
        tags = [first] + [r.headers["etag"] for r in writes]
        assert len(set(tags)) == len(tags)
        read = await client.get(f"{USERS}/{user_id}", headers={**superuser, "If-None-Match": first})
        assert read.status_code == 200
        assert read.headers["etag"] == secret.headers["etag"]

    async def test_a_pending_change_and_its_decision_each_change_the_etag(
        self, client, auth
    ) -> None:
        superuser = await auth("superuser")
        user_id = await _user_id(client, superuser, "auditor")
        asked = await client.put(
            f"{USERS}/{user_id}/roles",
            headers=superuser,
            json={"grants": [{"role": "administrator", "country": "SE"}]},
        )
        assert asked.status_code == 202, asked.text
        [change] = asked.json()["pending_changes"]
        second = await auth("superuser2")
        confirmed = await client.post(f"{USERS}/changes/{change['id']}/confirm", headers=second)
        assert confirmed.status_code == 200, confirmed.text
        read = await client.get(f"{USERS}/{user_id}", headers=superuser)
        assert confirmed.headers["etag"] == read.headers["etag"] != asked.headers["etag"]
        assert read.json()["grants"] == [{"role": "administrator", "country": "SE"}]

    async def test_a_stale_or_weak_if_match_is_refused_and_changes_nothing(
        self, client, auth
    ) -> None:
        superuser = await auth("superuser")
        user_id = await _user_id(client, superuser, "ministry-se")
        tag = (await client.get(f"{USERS}/{user_id}", headers=superuser)).headers["etag"]
        weak = await client.post(
            f"{USERS}/{user_id}/disable", headers={**superuser, "If-Match": f"W/{tag}"}
        )
        assert weak.status_code == 412
        assert weak.headers["content-type"].startswith("application/problem+json")
        changed = await client.post(
            f"{USERS}/{user_id}/secret",
            headers={**superuser, "If-Match": tag},
            json={"password": STRONG},
        )
        assert changed.status_code == 200, changed.text
        stale = await client.post(
            f"{USERS}/{user_id}/disable", headers={**superuser, "If-Match": tag}
        )
        assert stale.status_code == 412
        assert stale.json()["current_version"] == int(changed.headers["etag"].strip('"'))
        read = await client.get(f"{USERS}/{user_id}", headers=superuser)
        assert read.json()["is_active"] is True
        fresh = await client.post(
            f"{USERS}/{user_id}/disable", headers={**superuser, "If-Match": read.headers["etag"]}
        )
        assert fresh.status_code == 200
        assert fresh.json()["is_active"] is False
