"""The `fundadmin` command: run the service and manage its database.

Every command finds its database the same way: `DATABASE_URL` if set, otherwise an embedded
PostgreSQL server in the data folder (`FUNDADMIN_DATA_DIR`, `.fundadmin` by default), started for
the command and stopped when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click
import pydantic
import uvicorn
from sqlalchemy.engine import URL

from fundadmin import backup as backups
from fundadmin import schema
from fundadmin.app import create_app
from fundadmin.clock import clock_from_settings
from fundadmin.database import (
    DatabaseUrlError,
    create_engine,
    create_session_factory,
    normalise_database_url,
)
from fundadmin.demo import seed_demo_data
from fundadmin.embedded_postgres import (
    DATABASE_NAME,
    EmbeddedPostgresError,
    embedded_binaries,
    embedded_postgres,
    ensure_database,
)
from fundadmin.funding import services as funding_services
from fundadmin.letters.readiness import LettersUnavailable, check_letter_rendering
from fundadmin.letters.worker import BatchRefused, issue_batch, run_worker
from fundadmin.parameter_values.service import lapses
from fundadmin.privacy import commands as privacy_commands
from fundadmin.privacy.erasure_log import ErasureLog
from fundadmin.security import commands as security_commands
from fundadmin.security import errors as security_errors
from fundadmin.security.audit import write_audit
from fundadmin.security.user_admin import NewUser
from fundadmin.security.vault import (
    master_keys_from_settings,
    new_master_key_line,
    vault_from_settings,
)
from fundadmin.settings import Settings, get_settings
from policies import ParameterLapse

T = TypeVar("T")


@dataclass(frozen=True)
class Database:
    url: URL
    embedded: bool


def _settings() -> Settings:
    try:
        return get_settings()
    except pydantic.ValidationError as exc:
        problems = "; ".join(str(e["msg"]) for e in exc.errors())
        raise click.ClickException(f"the settings are not valid: {problems}") from exc


@contextmanager
def database(settings: Settings) -> Iterator[Database]:
    if settings.database_url is not None:
        try:
            url = normalise_database_url(settings.database_url)
        except DatabaseUrlError as exc:
            raise click.ClickException(str(exc)) from exc
        yield Database(url, embedded=False)
        return
    click.echo(f"DATABASE_URL is unset: using the embedded PostgreSQL in {settings.data_dir}/")
    try:
        with embedded_postgres(settings.data_dir) as admin_url:
            url = asyncio.run(ensure_database(admin_url, DATABASE_NAME))
            yield Database(url.set(drivername="postgresql+asyncpg"), embedded=True)
    except EmbeddedPostgresError as exc:
        raise click.ClickException(str(exc)) from exc


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a database coroutine, turning connection failures into a one-line message."""
    try:
        return asyncio.run(coro)
    except OSError as exc:
        raise click.ClickException(f"cannot reach the database: {exc.strerror or exc}") from exc


def _exit_cleanly_on_stop_signals() -> None:
    """Turn SIGTERM and SIGHUP into a normal exit, so the embedded database is stopped too.

    uvicorn shuts down gracefully on SIGTERM and then raises the signal again; its default action
    would end the process before the `with database(...)` block could stop the embedded server.
    """

    def exit_normally(_signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, exit_normally)


@contextmanager
def _letters_worker(url: URL) -> Iterator[None]:
    """`fundadmin worker` as a child process on the same database, ended with the service."""
    env = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}
    child = subprocess.Popen([sys.executable, "-m", "fundadmin.cli", "worker"], env=env)
    click.echo(f"letters worker started beside the service (pid {child.pid})")
    try:
        yield
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()


def _require_letter_rendering() -> None:
    """Refuse to start where award letters would come out wrong (fonts, system libraries)."""
    try:
        check_letter_rendering()
    except LettersUnavailable as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Administer the crime-victims' funds: serve the API and manage the database.

    Start here: `fundadmin db upgrade`, then `fundadmin serve --demo`, then open
    http://127.0.0.1:8000/schema and sign in as one of the demo users it prints.
    """


@main.command()
@click.option("--host", help="Interface to bind (default: FUNDADMIN_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default: FUNDADMIN_PORT or 8000).")
@click.option("--demo", is_flag=True, help="Create demo users and data once, and print them.")
@click.option(
    "--force", is_flag=True, help="Allow --demo on a DATABASE_URL that is not the embedded server."
)
@click.option("--worker", is_flag=True, help="Also start one letters worker beside the service.")
def serve(host: str | None, port: int | None, demo: bool, force: bool, worker: bool) -> None:
    """Serve the HTTP API (stop it with Ctrl-C)."""
    settings = _settings()
    _require_letter_rendering()
    if demo and settings.is_production:
        raise click.ClickException("demo data is refused in production mode")
    if demo and settings.database_url is not None and not force:
        raise click.ClickException(
            "--demo writes demo users with a known password: it runs only on the embedded "
            "database unless you add --force"
        )
    with database(settings) as db:

        async def prepare() -> list[str]:
            engine = create_engine(db.url, pool_size=1)
            try:
                await schema.require_current_schema(engine)
                # A restored backup must not bring back a destroyed key: erase it again first.
                again = await privacy_commands.reapply_command(
                    db.url, vault_from_settings(settings), ErasureLog(settings.erasure_log_path)
                )
                if again.erased_again:
                    click.echo(f"re-applied {again.erased_again} erasures a restore had undone")
                if demo:
                    return await seed_demo_data(
                        create_session_factory(engine), settings, clock_from_settings(settings)
                    )
                return []
            finally:
                await engine.dispose()

        try:
            lines = _run(prepare())
        except schema.SchemaBehind as exc:
            raise click.ClickException(str(exc)) from exc
        for line in lines:
            click.echo(line)
        bind_host, bind_port = host or settings.host, port or settings.port
        click.echo(f"fundadmin is serving on http://{bind_host}:{bind_port} (Ctrl-C stops it)")
        click.echo(f"API documentation: http://{bind_host}:{bind_port}/schema")
        _exit_cleanly_on_stop_signals()
        with _letters_worker(db.url) if worker else contextlib.nullcontext():
            uvicorn.run(
                create_app(settings, db.url),
                host=bind_host,
                port=bind_port,
                log_config=None,
                proxy_headers=True,
                server_header=False,
            )
    click.echo("fundadmin stopped")


@main.group()
def db() -> None:
    """Apply, undo and inspect database migrations."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    settings = _settings()
    with database(settings) as database_:
        schema.upgrade(database_.url, revision)
    click.echo(f"database upgraded to {revision}")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Undo migrations down to REVISION (`base` removes every table)."""
    settings = _settings()
    with database(settings) as database_:
        schema.downgrade(database_.url, revision)
    click.echo(f"database downgraded to {revision}")


@db.command()
def current() -> None:
    """Print the database's revision and the newest one this code knows."""
    settings = _settings()
    with database(settings) as database_:

        async def show() -> None:
            engine = create_engine(database_.url, pool_size=1)
            try:
                revision = await schema.current_revision(engine)
            finally:
                await engine.dispose()
            head = schema.head_revision()
            state = "current" if revision == head else "behind: run `fundadmin db upgrade`"
            click.echo(f"database: {revision or 'empty'}; code: {head} ({state})")

        _run(show())


def _pg_bin_dir(settings: Settings, database_: Database) -> Path | None:
    """The embedded server's own programs, else FUNDADMIN_PG_BIN_DIR, else PATH (None)."""
    return embedded_binaries(settings.data_dir) if database_.embedded else settings.pg_bin_dir


@db.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def db_backup(file: Path) -> None:
    """Write the whole database to FILE (pg_dump's custom format, readable by you only)."""
    settings = _settings()
    with database(settings) as database_:
        try:
            backups.backup(database_.url, file, _pg_bin_dir(settings, database_))
        except backups.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {file} ({file.stat().st_size} bytes)")


@db.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
def db_restore(file: Path, yes: bool) -> None:
    """Replace the whole database with FILE's (all or nothing), destroy again every personal-data
    key the erasure log names, and check the audit trail. Stop every service and worker first."""
    settings = _settings()
    with database(settings) as database_:
        others = _run(backups.other_connections(database_.url))
        if others:
            raise click.ClickException(
                f"{others} other sessions use the database: stop every service and worker first"
            )
        if not yes:
            click.confirm(f"Replace everything in the database with {file}?", abort=True)
        try:
            backups.restore(database_.url, file, _pg_bin_dir(settings, database_))
        except backups.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"database restored from {file}")
        # A backup taken before an erasure holds her key again: destroy it before anyone reads.
        again = _run(
            privacy_commands.reapply_command(
                database_.url, vault_from_settings(settings), ErasureLog(settings.erasure_log_path)
            )
        )
        click.echo(f"re-applied {again.erased_again} erasures the backup had undone")
        report = _run(security_commands.restored_command(database_.url, file.name))
    if not report.ok:
        raise click.ClickException(
            f"the restored audit trail is broken at line {report.first_broken_seq}: "
            f"{report.problem}"
        )
    click.echo(f"audit trail intact: {report.lines_checked} lines, heads {report.heads_text}")


@main.group()
def users() -> None:
    """Create users and ministry service accounts, disable them, set their roles."""


_ROLE_HELP = "role:COUNTRY, e.g. administrator:SE or ministry:* (repeat for several)"


def _security_command(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return _run(coro)
    except (security_errors.InvalidUserChange, LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


@users.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help=_ROLE_HELP)
@click.option("--organisation", help="A legal adviser's organisation (created if new).")
@click.option("--service", is_flag=True, help="A ministry system: a client secret is generated.")
def users_create(
    username: str, roles: tuple[str, ...], organisation: str | None, service: bool
) -> None:
    """Create USERNAME (a person is asked for a password; a service account gets a secret)."""
    settings = _settings()
    try:
        grants = tuple(security_commands.parse_grant(r) for r in roles)
    except security_errors.InvalidUserChange as exc:
        raise click.ClickException(str(exc)) from exc
    password = (
        None if service else click.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    new = NewUser(username, grants, password, organisation, is_service=service)
    with database(settings) as db_:
        secret = _security_command(security_commands.create_user_command(db_.url, new))
    click.echo(f"created {username}")
    if secret is not None:
        click.echo(f"client_id: {username}")
        click.echo(f"client_secret (shown once, store it now): {secret}")


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable USERNAME: she can no longer sign in and her tokens stop working within seconds."""
    settings = _settings()
    with database(settings) as db_:
        _security_command(security_commands.disable_user_command(db_.url, username))
    click.echo(f"disabled {username}")


@users.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Enable USERNAME again after `users disable`."""
    settings = _settings()
    with database(settings) as db_:
        _security_command(security_commands.enable_user_command(db_.url, username))
    click.echo(f"enabled {username}")


@users.command("secret")
@click.argument("username")
def users_secret(username: str) -> None:
    """Replace the password of USERNAME (asked), or a service account's secret (printed once)."""
    settings = _settings()
    with database(settings) as db_:
        is_service = _security_command(security_commands.is_service_command(db_.url, username))
        password = None
        if not is_service:
            password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
        secret = _security_command(
            security_commands.replace_secret_command(db_.url, username, password)
        )
    click.echo(f"replaced the secret of {username}")
    if secret is not None:
        click.echo(f"client_secret (shown once, store it now): {secret}")


@users.command("roles")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help=_ROLE_HELP)
@click.option("--organisation", help="Move a legal adviser to this organisation.")
def users_roles(username: str, roles: tuple[str, ...], organisation: str | None) -> None:
    """Replace the roles of USERNAME (tokens already issued keep their roles until they expire)."""
    settings = _settings()
    try:
        grants = [security_commands.parse_grant(r) for r in roles]
    except security_errors.InvalidUserChange as exc:
        raise click.ClickException(str(exc)) from exc
    with database(settings) as db_:
        _security_command(
            security_commands.set_roles_command(db_.url, username, grants, organisation)
        )
    click.echo(f"{username}: {' '.join(roles)}")


@users.command("list")
def users_list() -> None:
    """Every user: username, state, kind and roles."""
    settings = _settings()
    with database(settings) as db_:
        for line in _security_command(security_commands.list_users_command(db_.url)):
            click.echo(line)


@main.group()
def audit() -> None:
    """Check the audit trail."""


@audit.command("verify")
@click.option(
    "--expect-head",
    "expect_heads",
    multiple=True,
    help="A head hash printed by an earlier run (`chain:hash` or the hash; repeat for each "
    "chain): also detects lines removed from the end of a chain.",
)
def audit_verify(expect_heads: tuple[str, ...]) -> None:
    """Walk every hash chain (one per country, and `global`); exit 1 and name the first broken
    line if any was altered or removed."""
    settings = _settings()
    anchors = [head.rpartition(":")[2] for word in expect_heads for head in word.split()]
    with database(settings) as db_:
        report = _run(security_commands.verify_audit_command(db_.url, anchors))
    if not report.ok:
        where = (
            f"at line {report.first_broken_seq} of chain {report.broken_chain}"
            if report.first_broken_seq
            else "at the end of a chain"
        )
        raise click.ClickException(
            f"audit trail broken {where}: "
            f"{report.problem} ({report.lines_checked} lines intact, heads {report.heads_text})"
        )
    click.echo(f"audit trail intact: {report.lines_checked} lines, heads {report.heads_text}")


@main.group()
def earmarks() -> None:
    """Money earmarked for the victims of confiscation cases."""


@earmarks.command("release")
@click.option("--country", help="One country (e.g. SE); default: every country.")
def earmarks_release(country: str | None) -> None:
    """Release to the victims' fund what no claim took within the policy's period (as of the
    business clock's today); each release is recorded with its reason and audited. Safe to run
    again: a case with nothing releasable is left alone."""
    settings = _settings()
    with database(settings) as db_:

        async def release() -> list[str]:
            engine = create_engine(db_.url, pool_size=1)
            try:
                async with create_session_factory(engine)() as session, session.begin():
                    released = await funding_services.release_earmarks(
                        session,
                        frozenset({"*"}),
                        country=country.upper() if country else None,
                        released_by="command",
                        now=clock_from_settings(settings).now(),
                    )
                    for row in released:
                        await write_audit(
                            session,
                            principal=None,
                            action="earmark.release",
                            subject_type="earmark_release",
                            subject_id=str(row.id),
                            details={"country": row.country, "by": "command"},
                        )
                    return [
                        f"{row.country} {row.case_reference}: {row.amount} {row.currency}"
                        for row in released
                    ]
            finally:
                await engine.dispose()

        lines = _run(release())
    for line in lines:
        click.echo(f"released {line}")
    click.echo(f"{len(lines)} earmark(s) released")


@main.group()
def keys() -> None:
    """Master keys of personal data: make one, re-wrap data keys after a rotation."""


@keys.command("new-master-key")
@click.argument("kid")
def keys_new_master_key(kid: str) -> None:
    """Print a new `KID:base64key` entry to put first in FUNDADMIN_MASTER_KEYS."""
    click.echo(new_master_key_line(kid))


@keys.command("rewrap")
def keys_rewrap() -> None:
    """Re-wrap every personal-data key with the newest master key (then the old one may go)."""
    settings = _settings()
    try:
        ring = master_keys_from_settings(settings)
    except security_errors.InvalidMasterKeys as exc:
        raise click.ClickException(str(exc)) from exc
    with database(settings) as db_:
        count = _security_command(security_commands.rewrap_command(db_.url, ring))
    click.echo(f"re-wrapped {count} data keys with master key {ring.newest.kid}")


@main.command()
@click.option("--concurrency", default=1, show_default=True, help="Letters rendered at once.")
def worker(concurrency: int) -> None:
    """Render and issue award letters, and run the nightly retention job, from the job queue
    (any number may run, anywhere)."""
    settings = _settings()
    _require_letter_rendering()
    with database(settings) as db:
        click.echo(f"letters worker started (concurrency {concurrency}); Ctrl-C stops it")
        _run(run_worker(settings, db.url, concurrency=concurrency))
    click.echo("letters worker stopped")


@main.group()
def letters() -> None:
    """Issue award letters in batches through the workers."""


@letters.command("issue")
@click.option("--country", required=True, help="Deciding country, e.g. SE.")
@click.option("--as", "username", required=True, help="The administrator the letters are from.")
def letters_issue(country: str, username: str) -> None:
    """Queue the letters of every decided claim of COUNTRY and wait until they are issued."""
    settings = _settings()
    with database(settings) as db, click.progressbar(length=0, label="letters") as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        try:
            counts = _run(issue_batch(db.url, country.upper(), username, progress=progress))
        except BatchRefused as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none pending")


@main.group()
def privacy() -> None:
    """Personal data: the retention job, and erasures re-applied after a restore."""


@privacy.command("retention")
@click.option("--dry-run", is_flag=True, help="Count what is due, erase nothing.")
def privacy_retention(dry_run: bool) -> None:
    """Erase the personal data whose retention period has passed (skipping legal holds and
    what the law still requires) and carry out scheduled erasures; print counts, never names.
    Run it daily (a cron job or a systemd timer)."""
    settings = _settings()
    with database(settings) as db_:
        summary = _run(
            privacy_commands.retention_command(
                db_.url,
                vault_from_settings(settings),
                ErasureLog(settings.erasure_log_path),
                clock_from_settings(settings),
                dry_run=dry_run,
            )
        )
    verb = "due" if dry_run else "erased"
    click.echo(
        f"{verb}: {summary.erased}; under a legal hold: {summary.held}; "
        f"kept for another legal ground: {summary.kept}"
    )
    for country, counts in summary.by_country.items():
        click.echo(f"  {country}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@privacy.command("reapply")
def privacy_reapply() -> None:
    """After restoring a backup: destroy again every data key the erasure log names (the log
    lives outside the database, FUNDADMIN_ERASURE_LOG). `serve` does this at every start."""
    settings = _settings()
    with database(settings) as db_:
        done = _run(
            privacy_commands.reapply_command(
                db_.url, vault_from_settings(settings), ErasureLog(settings.erasure_log_path)
            )
        )
    click.echo(f"erased again: {done.erased_again}; added to the erasure log: {done.recorded}")


@main.group()
def policies() -> None:
    """Check the country policies' figures."""


@policies.command("check")
@click.option("--days", default=60, show_default=True, type=click.IntRange(0, 3660))
def policies_check(days: int) -> None:
    """List the yearly figures that have lapsed or lapse within DAYS (entered values counted);
    exit 1 if there is any, so a scheduler can alert before proposals become impossible."""
    settings = _settings()
    on = clock_from_settings(settings).now().date()
    with database(settings) as db_:

        async def check() -> dict[str, tuple[ParameterLapse, ...]]:
            engine = create_engine(db_.url, pool_size=1)
            try:
                async with create_session_factory(engine)() as session:
                    return await lapses(session, on, days)
            finally:
                await engine.dispose()

        found = _run(check())
    for country, country_lapses in found.items():
        for lapse in country_lapses:
            state = "LAPSED, proposals impossible" if lapse.lapsed else "lapses"
            click.echo(
                f"{country} {lapse.name}: value from {lapse.last_effective_from.isoformat()} "
                f"{state} on {lapse.lapses_on.isoformat()}"
            )
    if found:
        raise SystemExit(1)
    click.echo(f"no figure lapses within {days} days of {on.isoformat()}")


if __name__ == "__main__":
    main()
