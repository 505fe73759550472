"""The `fundadmin` command as a newcomer meets it: help, refusals with the fix named, db status."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import URL

from fundadmin.cli import main
from fundadmin.settings import get_settings
from tests.postgres import admin_execute


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    for name in ("DATABASE_URL", "FUNDADMIN_DATABASE_URL", "FUNDADMIN_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _url(url: URL) -> str:
    return url.render_as_string(hide_password=False)


class TestHelp:
    def test_top_level_help_names_the_commands(self, cli: CliRunner) -> None:
        result = cli.invoke(main, ["--help"])
        assert result.exit_code == 0
        assert "serve" in result.output
        assert "db" in result.output

    def test_serve_help_explains_demo_and_force(self, cli: CliRunner) -> None:
        result = cli.invoke(main, ["serve", "--help"])
        assert "--demo" in result.output
        assert "--force" in result.output


class TestServeRefusals:
    def test_demo_on_a_foreign_database_needs_force(
        self, cli: CliRunner, migrated_url: URL
    ) -> None:
        result = cli.invoke(main, ["serve", "--demo"], env={"DATABASE_URL": _url(migrated_url)})
        assert result.exit_code != 0
        assert "--force" in result.output

    def test_schema_behind_is_refused_naming_the_fix(
        self, cli: CliRunner, migrated_url: URL
    ) -> None:
        asyncio.run(admin_execute(migrated_url, "UPDATE alembic_version SET version_num = 'old'"))
        result = cli.invoke(main, ["serve"], env={"DATABASE_URL": _url(migrated_url)})
        assert result.exit_code != 0
        assert "fundadmin db upgrade" in result.output
        assert "Traceback" not in result.output

    def test_production_with_development_secrets_is_refused(self, cli: CliRunner) -> None:
        result = cli.invoke(
            main,
            ["serve"],
            env={"FUNDADMIN_ENVIRONMENT": "production", "DATABASE_URL": "postgresql://u@h/db"},
        )
        assert result.exit_code != 0
        assert "FUNDADMIN_JWT_PRIVATE_KEYS" in result.output

    def test_unusable_database_url_is_a_one_line_error(self, cli: CliRunner) -> None:
        result = cli.invoke(main, ["db", "current"], env={"DATABASE_URL": "mysql://u@h/db"})
        assert result.exit_code != 0
        assert "postgresql://" in result.output


class TestDbCommands:
    def test_current_reports_an_up_to_date_schema(self, cli: CliRunner, migrated_url: URL) -> None:
        result = cli.invoke(main, ["db", "current"], env={"DATABASE_URL": _url(migrated_url)})
        assert result.exit_code == 0, result.output
        assert "(current)" in result.output

    def test_downgrade_then_upgrade(self, cli: CliRunner, migrated_url: URL) -> None:
        env = {"DATABASE_URL": _url(migrated_url)}
        assert cli.invoke(main, ["db", "downgrade", "base"], env=env).exit_code == 0
        behind = cli.invoke(main, ["db", "current"], env=env)
        assert "run `fundadmin db upgrade`" in behind.output
        assert cli.invoke(main, ["db", "upgrade"], env=env).exit_code == 0
        assert "(current)" in cli.invoke(main, ["db", "current"], env=env).output


class TestPoliciesCheck:
    def test_lists_the_lapsed_g_and_exits_1(self, cli: CliRunner, migrated_url: URL) -> None:
        env = {"DATABASE_URL": _url(migrated_url), "FUNDADMIN_FIXED_NOW": "2026-11-24T12:00:00Z"}
        result = cli.invoke(main, ["policies", "check", "--days", "60"], env=env)
        assert result.exit_code == 1, result.output
        assert "NO grunnbelop: value from 2025-05-01 LAPSED" in result.output
        # Sweden's and Latvia's yearly figures lapse on 1 January: seen coming 38 days ahead.
        assert "SE prisbasbelopp: value from 2026-01-01 lapses on 2027-01-01" in result.output
        assert "LV minimum_wage: value from 2026-01-01 lapses on 2027-01-01" in result.output

    def test_sees_a_figure_lapsing_within_the_window(
        self, cli: CliRunner, migrated_url: URL
    ) -> None:
        env = {"DATABASE_URL": _url(migrated_url), "FUNDADMIN_FIXED_NOW": "2026-03-10T12:00:00Z"}
        result = cli.invoke(main, ["policies", "check", "--days", "60"], env=env)
        assert result.exit_code == 1
        assert "NO grunnbelop: value from 2025-05-01 lapses on 2026-05-01" in result.output
        quiet = cli.invoke(main, ["policies", "check", "--days", "30"], env=env)
        assert quiet.exit_code == 0, quiet.output
        assert "no figure lapses within 30 days" in quiet.output
