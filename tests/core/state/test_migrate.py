"""Migrations: applied once, in order, concurrently safe, and no silent downgrade."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.db import connect
from core.errors import ConfigError
from core.settings import DatabaseUrl
from core.state.migrate import available, current_version, migrate


async def test_fresh_database_gets_every_table(state_db_url: str) -> None:
    connection = await connect(DatabaseUrl.parse(state_db_url), setting="state")
    try:
        applied = await migrate(connection)
        assert [m.version for m in applied] == [m.version for m in available()]
        async with connection.cursor() as cursor:
            await cursor.execute("SHOW TABLES")
            tables = {row[0] for row in await cursor.fetchall()}
        assert {"ledger", "audit", "daily_report", "bed_idtt", "dead_letter",
                "schema_migrations"} <= tables
        assert await migrate(connection) == []
        assert await current_version(connection) == available()[-1].version
    finally:
        connection.close()


async def test_concurrent_starts_apply_each_migration_once(state_db_url: str) -> None:
    url = DatabaseUrl.parse(state_db_url)
    connections = [await connect(url, setting="state") for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(c) for c in connections))
        assert sum(len(r) for r in results) == len(available())
    finally:
        for connection in connections:
            connection.close()


async def test_newer_database_is_refused(state_db_url: str, tmp_path: Path) -> None:
    connection = await connect(DatabaseUrl.parse(state_db_url), setting="state")
    try:
        await migrate(connection)
        async with connection.cursor() as cursor:
            await cursor.execute(
                "INSERT INTO schema_migrations VALUES (9999, 'from_the_future', UTC_TIMESTAMP(3))"
            )
        with pytest.raises(ConfigError, match=r"at version 9999 .* upgrade simrs-bridge"):
            await migrate(connection)
    finally:
        connection.close()


def test_misnamed_migration_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "1_bad.sql").write_text("SELECT 1;")
    with pytest.raises(ConfigError, match=r"1_bad\.sql"):
        available(tmp_path)


def test_semicolon_inside_a_string_is_caught(tmp_path: Path) -> None:
    (tmp_path / "0001_x.sql").write_text("CREATE TABLE t (a INT COMMENT 'one; two');\n")
    [migration] = available(tmp_path)
    with pytest.raises(ConfigError, match="inside a quoted string"):
        migration.statements()


def test_shipped_migrations_split_cleanly() -> None:
    for migration in available():
        assert migration.statements()
