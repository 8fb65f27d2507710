"""What Khanza's server must offer for ``SIMRS_BRIDGE_CHANGES=binlog``, checked in one pass.

``simrs-bridge check`` runs this so that hospital IT learns everything missing
at once (server variables, grants, table privileges), in one line, instead of
meeting the gaps one by one in the producer's log. ``docs/binlog.md`` has the
statements that fix each item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import aiomysql
import pymysql

from producers.changes.tables import WATCHED

__all__ = ["REQUIRED_SETTINGS", "BinlogReport", "inspect"]

# The server's binlog settings and identity, readable by any user.
SERVER_VARIABLES = """SELECT @@log_bin, @@binlog_format, @@binlog_row_image,
       @@binlog_row_metadata, @@server_id, @@gtid_binlog_pos"""

# The current user's global privileges (USER_PRIVILEGES lists only the caller's own
# unless it may read mysql.*, so the grantee is matched to CURRENT_USER() exactly).
USER_PRIVILEGES = """SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES
WHERE GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''',
                       SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')"""

# Whether the user may read a table: a zero-row SELECT answers it without reading data.
# The table name comes from WATCHED (constants), never from input.
SELECT_PROBE = "SELECT 1 FROM `{table}` LIMIT 0"

REQUIRED_SETTINGS = (
    ("log_bin", "ON"), ("binlog_format", "ROW"), ("binlog_row_image", "FULL"),
    ("binlog_row_metadata", "FULL"),
)
# MariaDB 10.5+ shows REPLICATION CLIENT as BINLOG MONITOR, REPLICATION SLAVE unchanged.
_GRANTS = (
    ("REPLICATION SLAVE", {"REPLICATION SLAVE", "REPLICATION REPLICA"}),
    ("REPLICATION CLIENT", {"REPLICATION CLIENT", "BINLOG MONITOR"}),
)
ER_TABLEACCESS_DENIED = 1142
ER_NO_SUCH_TABLE = 1146
_NAME = re.compile(r"^\w+$")


@dataclass(frozen=True)
class BinlogReport:
    missing: list[str]
    position: str
    server_id: int


def _on(value: object) -> str:
    return "ON" if str(value) in ("1", "ON") else str(value).upper()


async def inspect(connection: aiomysql.Connection, replica_id: int) -> BinlogReport:
    """Everything missing for following this server's binlog as replica ``replica_id``."""
    missing: list[str] = []
    async with connection.cursor() as cursor:
        await cursor.execute(SERVER_VARIABLES)
        row = await cursor.fetchone()
        values = dict(zip((n for n, _ in REQUIRED_SETTINGS), row[:4], strict=True))
        for name, wanted in REQUIRED_SETTINGS:
            have = _on(values[name]) if name == "log_bin" else str(values[name]).upper()
            if have != wanted:
                missing.append(f"{name}={wanted} (is {have})")
        server_id = int(row[4])
        if server_id == replica_id:
            missing.append(f"SIMRS_BRIDGE_BINLOG_SERVER_ID different from the server's "
                           f"server_id (both {server_id})")
        await cursor.execute(USER_PRIVILEGES)
        granted = {str(r[0]).upper() for r in await cursor.fetchall()}
        if "ALL PRIVILEGES" not in granted:
            missing += [name for name, aliases in _GRANTS if not granted & aliases]
        denied = []
        for table in WATCHED:
            if not _NAME.match(table):
                continue
            try:
                await cursor.execute(SELECT_PROBE.format(table=table))
                await cursor.fetchall()
            except pymysql.err.MySQLError as exc:
                code = exc.args[0] if exc.args else None
                if code == ER_TABLEACCESS_DENIED:
                    denied.append(table)
                elif code != ER_NO_SUCH_TABLE:  # optional tables (resep_dokter_racikan)
                    raise
        if denied:
            missing.append("SELECT on " + ", ".join(denied))
    return BinlogReport(missing, str(row[5] or ""), server_id)
