"""The `fundadmin` command: run the service and manage its database.

Every command finds its database the same way: `DATABASE_URL` if set, otherwise an embedded
PostgreSQL server in the data folder (`FUNDADMIN_DATA_DIR`, `.fundadmin` by default), started for
the command and stopped when it ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import click
import pydantic
import uvicorn
from sqlalchemy.engine import URL

from fundadmin import schema
from fundadmin.app import create_app
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
    embedded_postgres,
    ensure_database,
)
from fundadmin.settings import Settings, get_settings

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
def serve(host: str | None, port: int | None, demo: bool, force: bool) -> None:
    """Serve the HTTP API (stop it with Ctrl-C)."""
    settings = _settings()
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
                if demo:
                    return await seed_demo_data(create_session_factory(engine), settings)
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
