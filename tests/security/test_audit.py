"""The audit trail: append-only in PostgreSQL, hash-chained, verified, listed for auditors."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from fundadmin.security.audit import GENESIS_HASH, verify_chain, write_audit
from fundadmin.security.models import UserAccount
from fundadmin.security.principal import Principal
from fundadmin.security.users import principal_of


async def _principal(session: AsyncSession, username: str) -> Principal:
    user = await session.scalar(sa.select(UserAccount).where(UserAccount.username == username))
    assert user is not None
    return principal_of(user)


async def _write_lines(sessions, count: int) -> None:
    async with sessions() as session, session.begin():
        actor = await _principal(session, "admin-se")
        for n in range(count):
            await write_audit(
                session,
                principal=actor,
                action="claim.read",
                subject_type="claim",
                subject_id=f"claim-{n}",
                remote_addr="192.0.2.1",
                details={"n": n, "ok": True},
            )


async def _seq_of(session: AsyncSession, subject_id: str) -> int:
    seq = await session.scalar(
        sa.text("SELECT seq FROM audit_event WHERE subject_id = :s"), {"s": subject_id}
    )
    assert seq is not None
    return int(seq)


class TestWhenLinesAreAppended:
    """Lines join the chain when their transaction commits, so the chain's lock every writer
    waits for is held only for the append and the commit."""

    async def _lines(self, sessions, subject_id: str) -> int:
        async with sessions() as session:
            return int(
                await session.scalar(
                    sa.text("SELECT count(*) FROM audit_event WHERE subject_id = :s"),
                    {"s": subject_id},
                )
                or 0
            )

    async def test_a_line_written_before_other_statements_is_appended_at_commit(
        self, sessions
    ) -> None:
        async with sessions() as session:
            await write_audit(
                session, principal=None, action="claim.read", subject_type="claim", subject_id="a"
            )
            await session.execute(sa.text("SELECT 1"))
            assert await self._lines(sessions, "a") == 0
            await session.commit()
        assert await self._lines(sessions, "a") == 1
        async with sessions() as session:
            assert (await verify_chain(session)).ok

    async def test_a_rolled_back_transaction_leaves_no_line(self, sessions) -> None:
        async with sessions() as session:
            await write_audit(
                session, principal=None, action="claim.read", subject_type="claim", subject_id="b"
            )
            await session.rollback()
            await write_audit(
                session, principal=None, action="claim.read", subject_type="claim", subject_id="c"
            )
            await session.commit()
        assert (await self._lines(sessions, "b"), await self._lines(sessions, "c")) == (0, 1)


class TestChain:
    async def test_an_intact_trail_verifies(self, sessions) -> None:
        await _write_lines(sessions, 5)
        async with sessions() as session:
            report = await verify_chain(session)
        assert report.ok
        assert report.lines_checked == 5

    async def test_an_empty_trail_verifies(self, sessions) -> None:
        async with sessions() as session:
            report = await verify_chain(session)
        assert report.ok
        assert report.heads == {}

    async def test_each_line_links_to_the_one_before(self, sessions) -> None:
        await _write_lines(sessions, 3)
        async with sessions() as session:
            rows = (
                await session.execute(
                    sa.text("SELECT prev_hash, hash FROM audit_event ORDER BY seq")
                )
            ).all()
        assert rows[0].prev_hash == GENESIS_HASH
        assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]

    async def test_concurrent_writers_do_not_fork_the_chain(self, sessions) -> None:
        await asyncio.gather(*(_write_lines(sessions, 3) for _ in range(8)))
        async with sessions() as session:
            report = await verify_chain(session)
        assert report.ok
        assert report.lines_checked == 24

    async def test_personal_values_cannot_be_nested_in_details(self, session: AsyncSession) -> None:
        with pytest.raises(TypeError):
            await write_audit(
                session,
                principal=None,
                action="x",
                subject_type="claim",
                subject_id=None,
                details={"person": {"name": "x"}},  # type: ignore[dict-item]
            )


class TestAppendOnly:
    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE audit_event SET action = 'nothing'",
            "DELETE FROM audit_event",
            "TRUNCATE audit_event",
        ],
    )
    async def test_postgres_refuses_changes(self, sessions, statement: str) -> None:
        await _write_lines(sessions, 1)
        async with sessions() as session:
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                await session.execute(sa.text(statement))


class TestTamperDetection:
    async def test_an_edited_line_is_named(self, sessions) -> None:
        await _write_lines(sessions, 5)
        async with sessions() as session, session.begin():
            edited = await _seq_of(session, "claim-2")
            await session.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
            await session.execute(
                sa.text("UPDATE audit_event SET subject_id = 'claim-99' WHERE seq = :s"),
                {"s": edited},
            )
            await session.execute(sa.text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
        async with sessions() as session:
            report = await verify_chain(session)
        assert not report.ok
        assert report.first_broken_seq == edited
        assert report.lines_checked == 2
        assert report.problem is not None
        assert "altered" in report.problem

    async def test_a_deleted_line_is_named_by_the_line_after_it(self, sessions) -> None:
        await _write_lines(sessions, 5)
        async with sessions() as session, session.begin():
            deleted = await _seq_of(session, "claim-2")
            following = await _seq_of(session, "claim-3")
            await session.execute(sa.text("SET LOCAL session_replication_role = replica"))
            await session.execute(sa.text("DELETE FROM audit_event WHERE seq = :s"), {"s": deleted})
        async with sessions() as session:
            report = await verify_chain(session)
        assert not report.ok
        assert report.first_broken_seq == following
        assert report.problem is not None
        assert "missing" in report.problem

    async def test_a_line_rewritten_with_a_fresh_hash_breaks_the_next_link(self, sessions) -> None:
        await _write_lines(sessions, 3)
        async with sessions() as session, session.begin():
            edited = await _seq_of(session, "claim-1")
            await session.execute(sa.text("SET LOCAL session_replication_role = replica"))
            await session.execute(
                sa.text("UPDATE audit_event SET hash = repeat('a', 64) WHERE seq = :s"),
                {"s": edited},
            )
        async with sessions() as session:
            report = await verify_chain(session)
        assert report.first_broken_seq == edited


class TestRemovalFromTheEnd:
    async def test_is_detected_against_a_recorded_head(self, sessions) -> None:
        await _write_lines(sessions, 3)
        async with sessions() as session:
            recorded = (await verify_chain(session)).heads["SE"]
        async with sessions() as session, session.begin():
            await session.execute(sa.text("SET LOCAL session_replication_role = replica"))
            await session.execute(
                sa.text("DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)")
            )
        async with sessions() as session:
            assert (await verify_chain(session)).ok  # the chain alone cannot tell
            report = await verify_chain(session, anchors=[recorded])
        assert not report.ok
        assert report.problem is not None
        assert "removed from the end" in report.problem

    async def test_a_recorded_head_followed_by_new_lines_is_fine(self, sessions) -> None:
        await _write_lines(sessions, 2)
        async with sessions() as session:
            recorded = (await verify_chain(session)).heads.values()
        await _write_lines(sessions, 2)
        async with sessions() as session:
            assert (await verify_chain(session, anchors=recorded)).ok


class TestAuditApi:
    async def test_auditor_lists_newest_first_and_pages(self, client, auth, sessions) -> None:
        await _write_lines(sessions, 5)
        headers = await auth("auditor")
        first = await client.get("/api/v1/audit?action=claim.read&limit=3", headers=headers)
        assert first.status_code == 200
        page = first.json()
        assert [i["subject_id"] for i in page["items"]] == ["claim-4", "claim-3", "claim-2"]
        second = await client.get(
            f"/api/v1/audit?action=claim.read&limit=3&after={page['next']}",
            headers=headers,
        )
        assert [i["subject_id"] for i in second.json()["items"]] == ["claim-1", "claim-0"]
        assert second.json()["next"] is None

    async def test_filters_by_subject_and_actor(self, client, auth, sessions) -> None:
        await _write_lines(sessions, 3)
        headers = await auth("auditor")
        found = await client.get(
            "/api/v1/audit?subject_type=claim&subject_id=claim-1&actor=admin-se", headers=headers
        )
        items = found.json()["items"]
        assert len(items) == 1
        assert items[0]["actor_scopes"] == "administrator:SE"
        assert items[0]["details"] == {"n": 1, "ok": True}
        nobody = await client.get("/api/v1/audit?actor=admin-lv", headers=headers)
        assert nobody.json()["items"] == []

    async def test_verify_endpoint_reports_the_broken_line(self, client, auth, sessions) -> None:
        await _write_lines(sessions, 3)
        headers = await auth("auditor")
        assert (await client.get("/api/v1/audit/verify", headers=headers)).json()["ok"] is True
        async with sessions() as session, session.begin():
            edited = await _seq_of(session, "claim-0")
            await session.execute(sa.text("SET LOCAL session_replication_role = replica"))
            await session.execute(
                sa.text("UPDATE audit_event SET remote_addr = '10.0.0.1' WHERE seq = :s"),
                {"s": edited},
            )
        report = (await client.get("/api/v1/audit/verify", headers=headers)).json()
        assert report["ok"] is False
        assert report["first_broken_seq"] == edited

    async def test_verify_endpoint_checks_an_expected_head(self, client, auth, sessions) -> None:
        await _write_lines(sessions, 1)
        headers = await auth("auditor")
        head = (await client.get("/api/v1/audit/verify", headers=headers)).json()["heads"]["SE"]
        same = await client.get(f"/api/v1/audit/verify?expect_head={head}", headers=headers)
        assert same.json()["ok"] is True
        other = await client.get(f"/api/v1/audit/verify?expect_head={'1' * 64}", headers=headers)
        assert other.json()["ok"] is False
        bad = await client.get("/api/v1/audit/verify?expect_head=nothex", headers=headers)
        assert bad.status_code == 422

    @pytest.mark.parametrize("username", ["admin-se", "superuser", "ministry-se", "adviser-marta"])
    async def test_other_roles_may_not_read_the_trail(self, client, auth, username: str) -> None:
        response = await client.get("/api/v1/audit", headers=await auth(username))
        assert response.status_code == 403


class TestPrincipalRecorded:
    async def test_line_records_who_and_from_where(self, sessions) -> None:
        await _write_lines(sessions, 1)
        async with sessions() as session:
            row = (
                await session.execute(
                    sa.text("SELECT actor_username, actor_scopes, remote_addr FROM audit_event")
                )
            ).one()
        assert tuple(row) == ("admin-se", "administrator:SE", "192.0.2.1")
