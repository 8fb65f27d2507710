"""Desired date-keyed reports (oxygen, PCR of staff, infected staff, ...).

The inbox stores what the hospital reports here, upserted by (kind, tanggal):
the newest payload for a date wins, as it does upstream. ``payload_hash``
against ``sent_hash`` tells whether the upstream already has the newest
payload, so a report corrected twice in a minute is sent once with the final
values, and a job that ran on an older payload does not mark a newer one sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import aiomysql

from core.errors import Outcome

__all__ = ["DailyReport", "DailyReports", "payload_hash"]


def payload_hash(payload: Mapping[str, object]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DailyReport:
    kind: str
    tanggal: date
    payload: dict[str, Any]
    payload_hash: str
    updated_at: datetime
    sent_hash: str | None
    sent_at: datetime | None
    last_outcome: str | None
    last_message: str | None

    @property
    def pending(self) -> bool:
        return self.sent_hash != self.payload_hash


# Upsert the newest payload for a date; a changed payload becomes pending again.
_UPSERT = """
INSERT INTO daily_report (kind, tanggal, payload, payload_hash, updated_at)
VALUES (%s, %s, %s, %s, UTC_TIMESTAMP(3))
ON DUPLICATE KEY UPDATE
    updated_at = IF(payload_hash = VALUES(payload_hash), updated_at, VALUES(updated_at)),
    payload = VALUES(payload),
    payload_hash = VALUES(payload_hash)
"""


# One report by key, for the job that sends it.
_GET = (
    "SELECT kind, tanggal, payload, payload_hash,"
    " updated_at, sent_hash, sent_at, last_outcome, last_message"
    " FROM daily_report WHERE kind = %s AND tanggal = %s"
)

# Reports whose newest payload the upstream does not have yet (producer cycle), except
# a payload refused for good: it waits for a correction or a dead-letter replay.
_PENDING = (
    "SELECT kind, tanggal FROM daily_report"
    " WHERE (sent_hash IS NULL OR sent_hash <> payload_hash)"
    " AND (failed_hash IS NULL OR failed_hash <> payload_hash) ORDER BY tanggal, kind"
)

# Mark the payload that was actually sent; a newer payload stays pending.
_MARK_SENT = """
UPDATE daily_report
SET sent_hash = %s, sent_at = UTC_TIMESTAMP(3), last_outcome = %s, last_message = %s
WHERE kind = %s AND tanggal = %s
"""

# Remember a failed attempt without touching what was sent before; a permanent refusal
# also records which payload was refused.
_MARK_FAILED = """
UPDATE daily_report SET last_outcome = %s, last_message = %s,
    failed_hash = COALESCE(%s, failed_hash)
WHERE kind = %s AND tanggal = %s
"""

# The newest successful send per kind, for the dashboard.
_LAST_SENT = "SELECT kind, MAX(sent_at) FROM daily_report WHERE sent_at IS NOT NULL GROUP BY kind"


class DailyReports:
    def __init__(self, pool: aiomysql.Pool) -> None:
        self._pool = pool

    async def upsert(self, kind: str, tanggal: date, payload: dict[str, Any]) -> None:
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(_UPSERT, (kind, tanggal, text, payload_hash(payload)))

    async def get(self, kind: str, tanggal: date) -> DailyReport | None:
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(_GET, (kind, tanggal))
            row = await cursor.fetchone()
        if row is None:
            return None
        return DailyReport(
            kind=row[0], tanggal=row[1], payload=json.loads(row[2]), payload_hash=row[3],
            updated_at=row[4], sent_hash=row[5], sent_at=row[6], last_outcome=row[7],
            last_message=row[8],
        )

    async def pending(self) -> list[tuple[str, date]]:
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(_PENDING)
            return [(str(kind), tanggal) for kind, tanggal in await cursor.fetchall()]

    async def mark_sent(
        self, kind: str, tanggal: date, sent_hash: str, outcome: Outcome, message: str | None
    ) -> None:
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(_MARK_SENT, (sent_hash, outcome.value, message, kind, tanggal))

    async def mark_failed(
        self, kind: str, tanggal: date, outcome: Outcome, message: str,
        refused_hash: str | None = None,
    ) -> None:
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(
                _MARK_FAILED, (outcome.value, message[:1000], refused_hash, kind, tanggal)
            )

    async def last_sent(self) -> dict[str, datetime]:
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(_LAST_SENT)
            return {str(kind): at for kind, at in await cursor.fetchall()}
