"""`fundadmin audit verify` and `fundadmin keys`: what an operator runs after an incident or a
key rotation."""

from __future__ import annotations

import asyncio
import base64
import re

from click.testing import CliRunner
from sqlalchemy.engine import URL

from fundadmin.cli import main
from fundadmin.database import create_engine, create_session_factory
from fundadmin.security.audit import write_audit
from fundadmin.security.vault import MasterKeyRing, Vault
from tests.postgres import admin_execute


def _write_audit_lines(url: URL, count: int) -> None:
    async def write() -> None:
        engine = create_engine(url, pool_size=1)
        try:
            async with create_session_factory(engine)() as session, session.begin():
                for n in range(count):
                    await write_audit(
                        session,
                        principal=None,
                        action="test.line",
                        subject_type="t",
                        subject_id=str(n),
                    )
        finally:
            await engine.dispose()

    asyncio.run(write())


def _new_subject(url: URL, keys: MasterKeyRing) -> None:
    async def make() -> None:
        engine = create_engine(url, pool_size=1)
        try:
            async with create_session_factory(engine)() as session, session.begin():
                await Vault(keys).new_subject(session)
        finally:
            await engine.dispose()

    asyncio.run(make())


class TestAuditVerify:
    def test_intact_trail_exits_0_with_its_head(self, cli: CliRunner, cli_env, seeded_url) -> None:
        _write_audit_lines(seeded_url, 3)
        result = cli.invoke(main, ["audit", "verify"], env=cli_env)
        assert result.exit_code == 0, result.output
        assert "intact: 3 lines, heads global:" in result.output

    def test_deleted_line_exits_1_naming_the_line(
        self, cli: CliRunner, cli_env, seeded_url
    ) -> None:
        _write_audit_lines(seeded_url, 3)
        asyncio.run(
            admin_execute(
                seeded_url,
                "ALTER TABLE audit_event DISABLE TRIGGER USER",
                "DELETE FROM audit_event WHERE subject_id = '1'",
                "ALTER TABLE audit_event ENABLE TRIGGER USER",
            )
        )
        result = cli.invoke(main, ["audit", "verify"], env=cli_env)
        assert result.exit_code == 1
        assert "broken at line" in result.output
        assert "missing" in result.output

    def test_expected_head_detects_lines_removed_from_the_end(
        self, cli: CliRunner, cli_env, seeded_url
    ) -> None:
        _write_audit_lines(seeded_url, 2)
        first = cli.invoke(main, ["audit", "verify"], env=cli_env)
        head = first.output.strip().rsplit(" ", 1)[-1]
        asyncio.run(
            admin_execute(
                seeded_url,
                "ALTER TABLE audit_event DISABLE TRIGGER USER",
                "DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)",
                "ALTER TABLE audit_event ENABLE TRIGGER USER",
            )
        )
        result = cli.invoke(main, ["audit", "verify", "--expect-head", head], env=cli_env)
        assert result.exit_code == 1
        assert "removed from the end" in result.output


class TestKeys:
    def test_new_master_key_prints_a_usable_entry(self, cli: CliRunner) -> None:
        result = cli.invoke(main, ["keys", "new-master-key", "2026-11"])
        assert result.exit_code == 0
        ring = MasterKeyRing.parse(result.output.strip())
        assert ring.newest.kid == "2026-11"

    def test_rewrap_after_rotation(self, cli: CliRunner, cli_env, seeded_url, master_keys) -> None:
        _new_subject(seeded_url, MasterKeyRing.parse(master_keys))
        new_entry = "new:" + base64.b64encode(bytes(range(32))).decode()
        env = {**cli_env, "FUNDADMIN_MASTER_KEYS": f"{new_entry},{master_keys}"}
        result = cli.invoke(main, ["keys", "rewrap"], env=env)
        assert result.exit_code == 0, result.output
        assert re.search(r"re-wrapped [1-9]\d* data keys with master key new", result.output)
        again = cli.invoke(main, ["keys", "rewrap"], env=env)
        assert "re-wrapped 0 data keys" in again.output

    def test_rewrap_with_a_missing_old_key_names_it(
        self, cli: CliRunner, cli_env, seeded_url, master_keys
    ) -> None:
        _new_subject(seeded_url, MasterKeyRing.parse(master_keys))
        env = {**cli_env, "FUNDADMIN_MASTER_KEYS": "new:" + base64.b64encode(bytes(32)).decode()}
        result = cli.invoke(main, ["keys", "rewrap"], env=env)
        assert result.exit_code == 1
        assert "test-1" in result.output
        assert "Traceback" not in result.output

    def test_malformed_master_keys_are_a_one_line_error(self, cli: CliRunner, cli_env) -> None:
        env = {**cli_env, "FUNDADMIN_MASTER_KEYS": "oops"}
        result = cli.invoke(main, ["keys", "rewrap"], env=env)
        assert result.exit_code == 1
        assert "kid:base64key" in result.output
