"""One audit chain per country: each verifies on its own, and writers in two countries never
wait for each other (migration 0024)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fundadmin.security.audit import GENESIS_HASH, chain_of, line_body, verify_chain, write_audit
from fundadmin.security.models import UserAccount
from fundadmin.security.principal import Principal
from fundadmin.security.users import principal_of

Sessions = async_sessionmaker[AsyncSession]


async def _principal(session: AsyncSession, username: str) -> Principal:
    user = await session.scalar(sa.select(UserAccount).where(UserAccount.username == username))
    assert user is not None
    return principal_of(user)


async def _write(sessions: Sessions, chain: str, subject_id: str) -> None:
    """One line on `chain`, committed (`global`: an anonymous caller's)."""
    async with sessions() as session, session.begin():
        await write_audit(
            session,
            principal=None,
            action="claim.read",
            subject_type="claim",
            subject_id=subject_id,
            country=None if chain == "global" else chain,
        )


async def _three_chains(sessions: Sessions) -> None:
    for n in range(3):
        for chain in ("SE", "DK", "global"):
            await _write(sessions, chain, f"{chain}-{n}")


async def _seq_of(sessions: Sessions, subject_id: str) -> int:
    async with sessions() as session:
        seq = await session.scalar(
            sa.text("SELECT seq FROM audit_event WHERE subject_id = :s"), {"s": subject_id}
        )
    assert seq is not None
    return int(seq)


async def _tamper(sessions: Sessions, statement: str, subject_id: str) -> None:
    async with sessions() as session, session.begin():
        await session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        await session.execute(sa.text(statement), {"s": subject_id})


class TestWhichChain:
    async def test_a_line_joins_the_country_it_concerns(self, session: AsyncSession) -> None:
        admin_se = await _principal(session, "admin-se")
        assert chain_of(admin_se, "DK") == "DK"
        assert chain_of(admin_se, None) == "SE"

    @pytest.mark.parametrize("username", ["superuser", "auditor"])
    async def test_a_caller_of_no_one_country_writes_to_the_global_chain(
        self, session: AsyncSession, username: str
    ) -> None:
        assert chain_of(await _principal(session, username), None) == "global"
        assert chain_of(None, None) == "global"

    async def test_each_chain_links_only_its_own_lines(self, sessions: Sessions) -> None:
        await _three_chains(sessions)
        async with sessions() as session:
            rows = (
                await session.execute(
                    sa.text("SELECT chain, prev_hash, hash FROM audit_event ORDER BY seq")
                )
            ).all()
            report = await verify_chain(session)
        assert report.ok
        assert report.lines_checked == 9
        for chain in ("SE", "DK", "global"):
            links = [(r.prev_hash, r.hash) for r in rows if r.chain == chain]
            assert links[0][0] == GENESIS_HASH
            assert [prev for prev, _ in links[1:]] == [line for _, line in links[:-1]]
            assert report.heads[chain] == links[-1][1]


@pytest.mark.parametrize("chain", ["SE", "DK", "global"])
class TestTamperingInEachChain:
    async def test_an_edited_line_is_named_with_its_chain(
        self, sessions: Sessions, chain: str
    ) -> None:
        await _three_chains(sessions)
        edited = await _seq_of(sessions, f"{chain}-1")
        await _tamper(
            sessions, "UPDATE audit_event SET reason = 'hidden' WHERE subject_id = :s", f"{chain}-1"
        )
        async with sessions() as session:
            report = await verify_chain(session)
        assert (report.ok, report.first_broken_seq, report.broken_chain) == (False, edited, chain)
        assert report.problem is not None
        assert "altered" in report.problem

    async def test_a_deleted_line_is_named_by_the_next_line_of_its_chain(
        self, sessions: Sessions, chain: str
    ) -> None:
        await _three_chains(sessions)
        following = await _seq_of(sessions, f"{chain}-2")
        await _tamper(sessions, "DELETE FROM audit_event WHERE subject_id = :s", f"{chain}-1")
        async with sessions() as session:
            report = await verify_chain(session)
        assert (report.ok, report.first_broken_seq, report.broken_chain) == (
            False,
            following,
            chain,
        )
        assert report.problem is not None
        assert "missing" in report.problem

    async def test_removing_a_chains_newest_line_is_caught_by_its_recorded_head(
        self, sessions: Sessions, chain: str
    ) -> None:
        await _three_chains(sessions)
        async with sessions() as session:
            recorded = (await verify_chain(session)).heads
        await _tamper(sessions, "DELETE FROM audit_event WHERE subject_id = :s", f"{chain}-2")
        async with sessions() as session:
            assert (await verify_chain(session)).ok  # the chains alone cannot tell
            report = await verify_chain(session, anchors=recorded.values())
        assert not report.ok
        assert report.problem is not None
        assert "removed from the end" in report.problem


class TestWritersInTwoCountries:
    """The chain's lock is held from the append to the commit: while a Swedish transaction holds
    it, a Danish write still commits, and only a second Swedish one waits."""

    async def test_a_danish_write_completes_while_a_swedish_append_is_uncommitted(
        self, sessions: Sessions
    ) -> None:
        async with sessions() as swedish:
            await self._append_and_hold(swedish, "SE", "held")
            await self._write_waiting_at_most(sessions, "DK", "dk-while-se-held", "5s")
            with pytest.raises(sa.exc.DBAPIError, match="lock timeout"):
                await self._write_waiting_at_most(sessions, "SE", "se-while-se-held", "300ms")
            await swedish.commit()
        await _write(sessions, "SE", "se-after")
        async with sessions() as session:
            report = await verify_chain(session)
            chains = dict(
                (await session.execute(sa.text("SELECT subject_id, chain FROM audit_event"))).all()
            )
        assert report.ok
        assert chains == {"held": "SE", "dk-while-se-held": "DK", "se-after": "SE"}

    @staticmethod
    async def _write_waiting_at_most(
        sessions: Sessions, chain: str, subject_id: str, lock_timeout: str
    ) -> None:
        async with sessions() as session, session.begin():
            await session.execute(sa.text(f"SET LOCAL lock_timeout = '{lock_timeout}'"))
            await write_audit(
                session,
                principal=None,
                action="claim.read",
                subject_type="claim",
                subject_id=subject_id,
                country=chain,
            )

    @staticmethod
    async def _append_and_hold(session: AsyncSession, chain: str, subject_id: str) -> None:
        """What a commit does first (the append, under the chain's lock), without the commit."""
        occurred_at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        body = line_body(
            occurred_at=occurred_at,
            actor_id=None,
            actor_username=None,
            actor_scopes="",
            action="claim.read",
            subject_type="claim",
            subject_id=subject_id,
            reason=None,
            remote_addr=None,
            request_id=None,
            details={},
        )
        await session.execute(
            sa.text(
                "SELECT audit_append(:chain, :at, NULL, NULL, '', 'claim.read', 'claim', :subject,"
                " NULL, NULL, NULL, CAST(:details AS jsonb), :body)"
            ),
            {
                "chain": chain,
                "at": occurred_at,
                "subject": subject_id,
                "details": json.dumps({}),
                "body": body,
            },
        )
