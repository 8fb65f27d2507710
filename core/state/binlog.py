"""The binlog position the producer's change feed resumes from (table ``binlog_position``).

One row per followed server (``source``). Saving is an upsert; the feed saves only
positions whose changes a finished producer cycle has already acted on
(``producers/changes/feed.py``), so whatever is stored is safe to resume from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.state.store import Store

__all__ = ["BinlogPositions", "StoredPosition"]

# The stored position of one source, if any.
_LOAD = "SELECT gtid, log_file, log_pos, saved_at FROM binlog_position WHERE source = %s"

# Upsert: the newest saved position wins.
_SAVE = """
INSERT INTO binlog_position (source, gtid, log_file, log_pos, saved_at)
VALUES (%s, %s, %s, %s, UTC_TIMESTAMP(3))
ON DUPLICATE KEY UPDATE gtid = VALUES(gtid), log_file = VALUES(log_file),
    log_pos = VALUES(log_pos), saved_at = VALUES(saved_at)
"""

# Forget a position (an operator starting over; tests).
_FORGET = "DELETE FROM binlog_position WHERE source = %s"


@dataclass(frozen=True)
class StoredPosition:
    gtid: str
    log_file: str | None
    log_pos: int | None
    saved_at: datetime


class BinlogPositions(Store):
    async def load(self, source: str) -> StoredPosition | None:
        row = await self._fetchone(_LOAD, (source,))
        if row is None:
            return None
        return StoredPosition(str(row[0]), row[1], None if row[2] is None else int(row[2]),
                              row[3])

    async def save(self, source: str, gtid: str, log_file: str | None = None,
                   log_pos: int | None = None) -> None:
        await self._execute(_SAVE, (source, gtid, log_file, log_pos))

    async def forget(self, source: str) -> None:
        await self._execute(_FORGET, (source,))
