"""Alembic, driven from Python: upgrade, downgrade, and whether the schema is current."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


QUEUE_TABLE_PREFIX = "procrastinate_"
"""Tables of the job queue: created by migration 0013 from procrastinate's own SQL, not by our
models, so comparing models with the database leaves them out."""


def ours(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic `include_name`: every object but the job queue's tables."""
    return not (type_ == "table" and (name or "").startswith(QUEUE_TABLE_PREFIX))


def alembic_config(url: URL) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    return config


def upgrade(url: URL, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: URL, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current_revision)


class SchemaBehind(RuntimeError):
    """The database schema is older than this code; the message names the command that fixes it."""


async def require_current_schema(engine: AsyncEngine) -> None:
    current, head = await current_revision(engine), head_revision()
    if current != head:
        raise SchemaBehind(
            f"the database schema is at {current or 'nothing'} but this code needs {head}: "
            f"run `fundadmin db upgrade`"
        )
