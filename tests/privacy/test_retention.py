"""The retention job: with the clock moved past the period it erases a closed claim's claimant,
skips one under a legal hold, carries out scheduled erasures, and reports counts only."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fundadmin.cli import main
from fundadmin.clock import FixedClock
from fundadmin.database import create_engine
from fundadmin.privacy.erasure_log import ErasureLog
from fundadmin.privacy.retention import RetentionResult, run_retention
from fundadmin.security.vault import vault_from_settings
from fundadmin.settings import Settings, get_settings
from policies.parameters import add_months
from tests.claims.conftest import SECRET_NAME, decision
from tests.postgres import clone_database, drop_database
from tests.privacy.conftest import Privacy

PAST_THE_PERIOD = timedelta(days=10 * 366 + 1)
"""Beyond every country's retention period (120 months) after a claim ended today."""


async def _run(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: FixedClock
) -> RetentionResult:
    async with sessions() as session:
        result = await run_retention(session, vault_from_settings(settings), now=clock.now())
        await session.commit()
    ErasureLog(settings.erasure_log_path).record(result.erased_subjects)
    return result


async def _closed_after_rejection(privacy: Privacy) -> dict[str, Any]:
    claimant = await privacy.register()
    claim = await privacy.step(await privacy.file(claimant["id"]), "submit", "adviser-marta")
    claim = await privacy.step(claim, "review", "admin-se")
    claim = await privacy.step(claim, "assessment", "admin-se", {})
    claim = await privacy.step(claim, "decision", "admin-se", decision("0", "0", "0"), money=True)
    claim = await privacy.issue_letter(claim)
    claim = await privacy.step(claim, "close", "admin-se")
    assert claim["status"] == "closed"
    return claimant


async def _withdrawn_under_hold(privacy: Privacy) -> tuple[dict[str, Any], dict[str, Any]]:
    claimant = await privacy.register()
    await privacy.withdrawn(
        await privacy.step(await privacy.file(claimant["id"]), "submit", "adviser-marta")
    )
    hold = await privacy.call(
        "POST",
        f"/api/v1/claimants/{claimant['id']}/legal-holds",
        "admin-se",
        json={"kind": "court_case", "reason": "Svea hovrätt B 777-26, appeal of the offender"},
        expect=201,
    )
    return claimant, hold.json()


async def _status(privacy: Privacy, claimant: dict[str, Any]) -> int:
    response = await privacy.client.get(
        f"/api/v1/claimants/{claimant['id']}", headers=await privacy.auth("adviser-marta")
    )
    return response.status_code


class TestRetentionJob:
    async def test_erases_what_is_due_and_skips_a_hold(
        self,
        privacy: Privacy,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: FixedClock,
    ) -> None:
        closed = await _closed_after_rejection(privacy)
        held, hold = await _withdrawn_under_hold(privacy)

        # Today nothing of theirs is due.
        first = await _run(sessions, settings, clock)
        assert (await _status(privacy, closed), await _status(privacy, held)) == (200, 200)
        assert first.run.held == 0

        clock.advance(PAST_THE_PERIOD)
        second = await _run(sessions, settings, clock)
        assert await _status(privacy, closed) == 410
        assert await _status(privacy, held) == 200
        assert second.run.held == 1
        assert second.run.erased == len(second.erased_subjects) >= 1
        assert second.run.by_country["SE"]["held"] == 1
        assert second.run.by_country["SE"]["months"] == 120
        assert second.run.by_country["SE"]["verified"] is False

        # The report is counts only, for administrators and auditors.
        reports = await privacy.call("GET", "/api/v1/retention/runs", "auditor")
        newest = reports.json()["items"][0]
        assert newest["id"] == str(second.run.id)
        assert newest["erased"] == second.run.erased
        text = json.dumps(reports.json())
        assert SECRET_NAME not in text
        assert closed["id"] not in text
        assert closed["reference"] not in text
        await privacy.call("GET", "/api/v1/retention/runs", "ministry-se", expect=403)
        # Pages follow `next`; a cursor the list did not hand out is refused.
        first = await privacy.call("GET", "/api/v1/retention/runs?limit=1", "auditor")
        older = await privacy.call(
            "GET", f"/api/v1/retention/runs?limit=1&after={first.json()['next']}", "auditor"
        )
        assert [r["id"] for r in older.json()["items"]] == [
            r["id"] for r in reports.json()["items"][1:2]
        ]
        await privacy.call("GET", "/api/v1/retention/runs?after=0.5", "auditor", expect=422)

        # Once the hold is lifted, the next run erases her too; a further run finds nothing.
        await privacy.call(
            "POST",
            f"/api/v1/claimants/{held['id']}/legal-holds/{hold['id']}/lift",
            "admin-se",
            json={"reason": "The offender's appeal was decided."},
            version=hold["version"],
        )
        third = await _run(sessions, settings, clock)
        assert await _status(privacy, held) == 410
        assert third.run.erased == 1
        fourth = await _run(sessions, settings, clock)
        assert (fourth.run.erased, fourth.run.held) == (0, 0)

    async def test_a_scheduled_request_is_carried_out_when_the_hold_ends(
        self,
        privacy: Privacy,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: FixedClock,
        session: AsyncSession,
    ) -> None:
        claimant, hold = await _withdrawn_under_hold(privacy)
        request = await privacy.request_erasure(claimant["id"], when_free=True)
        assert (await privacy.confirm(request["id"], "admin-se"))["status"] == "scheduled"

        held = await _run(sessions, settings, clock)
        assert held.run.held == 1
        assert await _status(privacy, claimant) == 200

        await privacy.call(
            "POST",
            f"/api/v1/claimants/{claimant['id']}/legal-holds/{hold['id']}/lift",
            "admin-se",
            json={"reason": "The court case ended."},
            version=hold["version"],
        )
        done = await _run(sessions, settings, clock)
        assert done.run.erased == 1
        assert await _status(privacy, claimant) == 410
        status = await privacy.call(
            "GET", f"/api/v1/erasure-requests/{request['id']}", "adviser-marta"
        )
        assert status.json()["status"] == "erased"
        line = await session.scalar(
            sa.text(
                "SELECT details::text FROM audit_event WHERE action = 'claimant.erase' "
                "AND subject_id = :id"
            ),
            {"id": claimant["id"]},
        )
        assert line is not None
        assert json.loads(line)["basis"] == "request"

    async def test_a_registration_never_claimed_for_is_erased_after_the_period(
        self,
        privacy: Privacy,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: FixedClock,
    ) -> None:
        # Registered today by an adviser who files in LV and SE; no claim ever follows.
        claimant = await privacy.register()
        registered = clock.now().date()
        clock.advance(add_months(registered, 120) - registered - timedelta(days=1))
        early = await _run(sessions, settings, clock)
        assert await _status(privacy, claimant) == 200
        assert early.run.by_country.get("SE", {}).get("erased", 0) == 0

        # The period runs from her registration (120 months in LV and in SE).
        clock.advance(timedelta(days=1))
        due = await _run(sessions, settings, clock)
        assert await _status(privacy, claimant) == 410
        assert due.run.by_country["LV"]["erased"] >= 1
        assert due.run.by_country["SE"]["erased"] >= 1
        requests = await privacy.call(
            "GET", f"/api/v1/claimants/{claimant['id']}/erasure-requests", "adviser-marta"
        )
        [done] = requests.json()["items"]
        assert (done["basis"], done["status"], done["countries"]) == (
            "retention",
            "erased",
            ["LV", "SE"],
        )

    async def test_the_periods_are_published_with_their_sources(self, privacy: Privacy) -> None:
        periods = (await privacy.call("GET", "/api/v1/retention/periods", "ministry-se")).json()[
            "items"
        ]
        assert {p["country"] for p in periods} == {"DK", "EE", "FI", "IS", "LT", "LV", "NO", "SE"}
        assert all(p["months"] == 120 and p["verified"] is False and p["source"] for p in periods)


@pytest.fixture
def seeded_url(pg_admin_url: URL, templates: dict[str, str]) -> Iterator[URL]:
    """A database with the demo data, for a synchronous test (the command runs its own loop)."""
    url = asyncio.run(clone_database(pg_admin_url, templates["seeded"]))
    yield url
    asyncio.run(drop_database(pg_admin_url, str(url.database)))


class TestCommandLine:
    def test_retention_dry_run_and_reapply_after_a_restore(
        self, seeded_url: URL, tmp_path: Path, master_keys: str, signing_keys: str
    ) -> None:
        env = {
            "DATABASE_URL": seeded_url.render_as_string(hide_password=False),
            "FUNDADMIN_MASTER_KEYS": master_keys,
            "FUNDADMIN_JWT_PRIVATE_KEYS": signing_keys,
            "FUNDADMIN_DATA_DIR": str(tmp_path),
            "FUNDADMIN_FIXED_NOW": "2040-01-01T00:00:00Z",
            "FUNDADMIN_ENVIRONMENT": "test",
        }
        get_settings.cache_clear()
        try:
            dry = CliRunner().invoke(main, ["privacy", "retention", "--dry-run"], env=env)
            assert dry.exit_code == 0, dry.output
            assert dry.output.startswith("due: ")
            # A dry run erases nothing: the demo's closed and withdrawn claims are still due.
            again = CliRunner().invoke(main, ["privacy", "retention", "--dry-run"], env=env)
            assert again.output == dry.output

            # A restore of a backup taken before an erasure: the key is back in the database,
            # the erasure log outside it still names her; reapply destroys it again.
            subject = asyncio.run(_a_live_subject(seeded_url))
            ErasureLog(tmp_path / "erased-subjects").record([subject])
            done = CliRunner().invoke(main, ["privacy", "reapply"], env=env)
            assert done.exit_code == 0, done.output
            assert "erased again: 1" in done.output
            twice = CliRunner().invoke(main, ["privacy", "reapply"], env=env)
            assert "erased again: 0" in twice.output
        finally:
            get_settings.cache_clear()


async def _a_live_subject(url: URL) -> uuid.UUID:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            subject: uuid.UUID = await connection.scalar(
                sa.text("SELECT subject_id FROM personal_data_key WHERE erased_at IS NULL LIMIT 1")
            )
            return subject
    finally:
        await engine.dispose()
