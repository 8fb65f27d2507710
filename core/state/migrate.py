"""Versioned migrations of the daemon's own tables.

Migrations are plain SQL files ``NNNN_name.sql`` beside this module, applied in
order and recorded in ``schema_migrations``. ``simrs-bridge migrate`` runs
them, and so does every daemon process at start; a MariaDB named lock makes
concurrent starts (worker, producer and dashboard under systemd) apply each
migration once. A state database newer than this code is refused rather than
used, so a downgrade cannot silently write rows an older schema does not know.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiomysql
import sqlparse
import sqlparse.sql
from sqlparse.tokens import Comment, Punctuation

from core.errors import ConfigError

__all__ = [
    "MIGRATIONS_DIR", "Migration", "available", "current_version", "migrate", "split_statements",
]

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK = "simrs_bridge.migrate"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    def statements(self) -> list[str]:
        """The file's statements, split by a SQL tokenizer (sqlparse).

        A ';' inside a string, a quoted name or a comment does not end a statement, and
        comments (``--``, ``#``, ``/* */``) are removed from what is sent, so a file written
        for the ``mariadb`` client runs here the same way. Executable comments (``/*! */``)
        are kept: the server runs them. The terminating ';' is dropped because each
        statement is sent on its own, without the client's multi-statement mode.
        """
        return split_statements(self.path.read_text(encoding="utf-8"))


def _tokens(sql: str) -> Iterator[sqlparse.sql.Token]:
    for parsed in sqlparse.parse(sql):
        yield from parsed.flatten()  # type: ignore[no-untyped-call]  # sqlparse is untyped


def split_statements(sql: str) -> list[str]:
    """Split a SQL script into statements that can be sent one by one (see ``statements``)."""
    statements: list[str] = []
    parts: list[str] = []
    for token in _tokens(sql + "\n;"):  # the closing ';' flushes a last unterminated statement
        if token.ttype in Punctuation and token.value == ";":
            text = "".join(parts).strip()
            if text:
                statements.append(text)
            parts = []
        elif token.ttype in Comment and not token.value.startswith("/*!"):
            # Keep the comment's separation: "a/* */b" and "a -- x\nb" are two words.
            parts.append("\n" if token.ttype in Comment.Single else " ")
        else:
            parts.append(token.value)
    return statements


def available(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ConfigError(f"migration file {path.name} is not named NNNN_name.sql")
        found.append(Migration(int(match.group(1)), match.group(2), path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ConfigError("two migration files share a version number")
    return found


async def _applied(cursor: aiomysql.Cursor) -> set[int]:
    await cursor.execute(
        "SELECT COUNT(*) FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_migrations'"
    )
    row = await cursor.fetchone()
    if row and row[0]:
        await cursor.execute("SELECT version FROM schema_migrations")
        return {int(r[0]) for r in await cursor.fetchall()}
    await cursor.execute(
        "CREATE TABLE schema_migrations ("
        " version INT NOT NULL PRIMARY KEY,"
        " name VARCHAR(100) NOT NULL,"
        " applied_at DATETIME(3) NOT NULL"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
    )
    return set()


async def current_version(connection: aiomysql.Connection) -> int:
    async with connection.cursor() as cursor:
        applied = await _applied(cursor)
    return max(applied, default=0)


async def migrate(
    connection: aiomysql.Connection, directory: Path = MIGRATIONS_DIR
) -> list[Migration]:
    """Apply what is missing; return what was applied now (empty when up to date)."""
    migrations = available(directory)
    known = max((m.version for m in migrations), default=0)
    done: list[Migration] = []
    async with connection.cursor() as cursor:
        await cursor.execute("SELECT GET_LOCK(%s, 60)", (_LOCK,))
        row = await cursor.fetchone()
        if not row or row[0] != 1:
            raise ConfigError("SIMRS_BRIDGE_STATE_DB_URL: another process holds the migration lock")
        try:
            applied = await _applied(cursor)
            newest = max(applied, default=0)
            if newest > known:
                raise ConfigError(
                    f"SIMRS_BRIDGE_STATE_DB_URL: the state database is at version {newest} but "
                    f"this simrs-bridge knows only up to {known}; upgrade simrs-bridge"
                )
            for migration in migrations:
                if migration.version in applied:
                    continue
                logger.info("applying migration %04d_%s", migration.version, migration.name)
                for statement in migration.statements():
                    await cursor.execute(statement)
                await cursor.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at)"
                    " VALUES (%s, %s, UTC_TIMESTAMP(3))",
                    (migration.version, migration.name),
                )
                done.append(migration)
        finally:
            await cursor.execute("SELECT RELEASE_LOCK(%s)", (_LOCK,))
    return done
