"""Migrations are the only way the schema changes: they match the models and undo cleanly."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import URL

from fundadmin import schema
from fundadmin.database import create_engine
from fundadmin.models import metadata


def _diff(url: URL) -> list:
    async def run() -> list:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(
                            sync,
                            opts={
                                "compare_type": True,
                                "compare_server_default": True,
                                "include_name": schema.ours,
                            },
                        ),
                        metadata,
                    )
                )
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _tables(url: URL) -> set[str]:
    async def run() -> set[str]:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as conn:
                return set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(run())


class TestMigrations:
    def test_models_and_migrations_agree(self, migrated_url: URL) -> None:
        assert _diff(migrated_url) == []

    def test_downgrade_to_base_and_upgrade_to_head(self, migrated_url: URL) -> None:
        schema.downgrade(migrated_url, "base")
        assert _tables(migrated_url) <= {"alembic_version"}
        schema.upgrade(migrated_url, "head")
        assert set(metadata.tables) <= _tables(migrated_url)
        assert _diff(migrated_url) == []
