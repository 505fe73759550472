"""Backups of the whole database with PostgreSQL's own tools, and restores that replace it whole.

A backup is `pg_dump --format=custom`: one consistent snapshot (its own repeatable-read
transaction), written beside the target and renamed into place, readable by its owner only (it
holds encrypted personal data and the wrapped keys that open it).

A restore replaces the database's schema and rows in ONE transaction: the `public` schema is
dropped and the backup's SQL (written out whole by `pg_restore`) replayed by
`psql --single-transaction`, so a failed restore leaves the database as it was, and tables a newer
schema added do not linger.
Triggers and constraints are created after the rows, as pg_dump orders them, so the rows come
back exactly as they were: the audit chain links and the books balance as at the backup.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL

from ledger import door


class BackupError(RuntimeError):
    """A backup or restore did not complete; the message says why in plain words."""


def libpq_environment(url: URL) -> dict[str, str]:
    """The connection as libpq's environment variables, so no password shows on a command line."""
    query = dict(url.query)
    env = {"PGDATABASE": str(url.database)}
    host = url.host or query.get("host")
    values = {
        "PGHOST": host,
        "PGPORT": str(url.port) if url.port else query.get("port"),
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGSSLMODE": query.get("ssl") or query.get("sslmode"),
    }
    env |= {name: str(value) for name, value in values.items() if value}
    return env


def tool(name: str, bin_dir: Path | None) -> str:
    """A PostgreSQL program from `bin_dir`, or from PATH when it is None."""
    found = shutil.which(name, path=str(bin_dir) if bin_dir is not None else None)
    if found is None:
        where = f"in {bin_dir}" if bin_dir is not None else "on PATH"
        raise BackupError(
            f"{name} was not found {where}: install the PostgreSQL client programs of the "
            f"server's major version or set FUNDADMIN_PG_BIN_DIR to their folder"
        )
    return found


def _run(command: list[str], url: URL) -> None:
    env = {**os.environ, **libpq_environment(url)}
    result = subprocess.run(  # noqa: S603 - the programs are PostgreSQL's, the arguments ours
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def backup(url: URL, file: Path, bin_dir: Path | None) -> None:
    """Write the whole database to `file` (replaced only once the dump is complete)."""
    partial = file.with_name(f".{file.name}.partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)
    try:
        _run(
            [tool("pg_dump", bin_dir), "--format=custom", "--no-password", f"--file={partial}"],
            url,
        )
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)


_EMPTY_PUBLIC_SCHEMA = (
    "DROP SCHEMA public CASCADE",
    # As PostgreSQL 15 and later create it; the backup's SQL then adds what the service made.
    "CREATE SCHEMA public AUTHORIZATION pg_database_owner",
    "GRANT USAGE ON SCHEMA public TO PUBLIC",
)


def restore(url: URL, file: Path, bin_dir: Path | None) -> None:
    """Replace the database's schema and rows with `file`'s, all or nothing."""
    if not file.is_file():
        raise BackupError(f"there is no backup file {file}")
    pg_restore, psql = tool("pg_restore", bin_dir), tool("psql", bin_dir)
    # The SQL is written out whole first: replaying a stream that breaks halfway would commit half.
    with tempfile.TemporaryDirectory(prefix="fundadmin-restore-") as folder:
        script = Path(folder) / "restore.sql"
        converted = subprocess.run(  # noqa: S603
            [pg_restore, "--no-owner", f"--file={script}", str(file)],
            capture_output=True,
            text=True,
            check=False,
        )
        if converted.returncode != 0:
            raise BackupError(f"{file} is not a readable backup: {converted.stderr.strip()}")
        _run(
            [
                psql,
                "--no-password",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                *(f"--command={statement}" for statement in _EMPTY_PUBLIC_SCHEMA),
                *(f"--command={statement}" for statement in door.BEFORE_RESTORE),
                f"--file={script}",
                *(f"--command={statement}" for statement in door.AFTER_RESTORE),
            ],
            url,
        )


async def other_connections(url: URL) -> int:
    """How many other sessions are connected to the database (a running service, a worker)."""
    conn = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(False))
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await conn.close()
