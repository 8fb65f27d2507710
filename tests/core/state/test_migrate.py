"""Migrations: applied once, in order, concurrently safe, and no silent downgrade."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.db import connect
from core.errors import ConfigError
from core.settings import DatabaseUrl
from core.state.migrate import available, current_version, migrate, split_statements


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


# A migration as someone would write it for the mariadb client: ';' inside strings, a
# quoted name and comments, comments of all three kinds, and no ';' after the last statement.
REAL_SQL = """-- 0001: notes; with a semicolon in the header comment
CREATE TABLE note (
    id INT NOT NULL PRIMARY KEY,   # the key; nothing else
    `body;text` VARCHAR(100) NOT NULL COMMENT 'free text; may hold a '';'' too',
    kind VARCHAR(10) NOT NULL DEFAULT "a;b" /* a default; with a ';' */
) ENGINE=InnoDB;
/* Two rows; the second one's text looks like the start of a comment. */
INSERT INTO note VALUES (1, 'one; two', DEFAULT), (2, '-- not a comment; /* nor this */', 'c');
UPDATE note SET kind = CONCAT(kind, ';') WHERE id = 1  -- the file ends without ';'
"""


def test_statements_split_only_where_a_statement_ends(tmp_path: Path) -> None:
    (tmp_path / "0001_notes.sql").write_text(REAL_SQL)
    [migration] = available(tmp_path)
    statements = migration.statements()
    assert [s.split()[0] for s in statements] == ["CREATE", "INSERT", "UPDATE"]
    assert "'free text; may hold a '';'' too'" in statements[0]
    assert "`body;text`" in statements[0] and '"a;b"' in statements[0]
    assert "'-- not a comment; /* nor this */'" in statements[1]
    assert statements[2] == "UPDATE note SET kind = CONCAT(kind, ';') WHERE id = 1"
    for statement in statements:
        assert "the key" not in statement and "Two rows" not in statement
        assert "with a ';'" not in statement  # comments are not sent


def test_executable_comments_are_kept() -> None:
    assert split_statements("/*!40101 SET NAMES utf8mb4 */; SELECT 1; -- done") == [
        "/*!40101 SET NAMES utf8mb4 */", "SELECT 1"]


async def test_a_real_sql_file_migrates(state_db_url: str, tmp_path: Path) -> None:
    (tmp_path / "0001_notes.sql").write_text(REAL_SQL)
    (tmp_path / "0002_more.sql").write_text(
        "INSERT INTO note (id, `body;text`) VALUES (3, 'x;y'); # one more\n")
    connection = await connect(DatabaseUrl.parse(state_db_url), setting="state")
    try:
        applied = await migrate(connection, tmp_path)
        assert [(m.version, m.name) for m in applied] == [(1, "notes"), (2, "more")]
        async with connection.cursor() as cursor:
            await cursor.execute("SELECT id, `body;text`, kind FROM note ORDER BY id")
            rows = await cursor.fetchall()
            await cursor.execute(
                "SELECT COLUMN_COMMENT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA ="
                " DATABASE() AND TABLE_NAME = 'note' AND COLUMN_NAME = 'body;text'")
            comment = await cursor.fetchone()
        assert rows == ((1, "one; two", "a;b;"), (2, "-- not a comment; /* nor this */", "c"),
                        (3, "x;y", "a;b"))
        assert comment == ("free text; may hold a ';' too",)
        assert await migrate(connection, tmp_path) == []
        assert await current_version(connection) == 2
    finally:
        connection.close()


def test_shipped_migrations_split_cleanly() -> None:
    for migration in available():
        assert migration.statements()
