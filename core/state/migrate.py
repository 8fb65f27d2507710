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
from dataclasses import dataclass
from pathlib import Path

import aiomysql

from core.errors import ConfigError

__all__ = ["MIGRATIONS_DIR", "Migration", "available", "current_version", "migrate"]

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
        """The file's statements; our migrations keep ';' out of strings and comments."""
        lines = [
            line for line in self.path.read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("--")
        ]
        statements = [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
        for statement in statements:
            if statement.count("'") % 2:
                raise ConfigError(f"migration {self.path.name}: a ';' inside a quoted string "
                                  f"splits a statement: {statement[:60]!r}...")
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
