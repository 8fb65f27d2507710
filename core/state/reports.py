"""Desired date-keyed reports (oxygen, PCR of staff, infected staff, ...).

The inbox stores what the hospital reports here, upserted by (kind, tanggal):
the newest payload for a date wins, as it does upstream. ``payload_hash``
against ``sent_hash`` tells whether the upstream already has the newest
payload, so a report corrected twice in a minute is sent once with the final
values, and a job that ran on an older payload does not mark a newer one sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.errors import Outcome
from core.state.payloads import PayloadStore, SendState, payload_hash

__all__ = ["DailyReport", "DailyReports", "payload_hash"]


@dataclass(frozen=True)
class DailyReport(SendState):
    kind: str
    tanggal: date


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


class DailyReports(PayloadStore):
    async def upsert(self, kind: str, tanggal: date, payload: dict[str, Any]) -> None:
        await self._upsert(_UPSERT, (kind, tanggal), payload)

    async def get(self, kind: str, tanggal: date) -> DailyReport | None:
        row = await self._fetchone(_GET, (kind, tanggal))
        if row is None:
            return None
        return DailyReport(
            kind=row[0], tanggal=row[1], payload=json.loads(row[2]), payload_hash=row[3],
            updated_at=row[4], sent_hash=row[5], sent_at=row[6], last_outcome=row[7],
            last_message=row[8],
        )

    async def pending(self) -> list[tuple[str, date]]:
        return [(str(kind), tanggal) for kind, tanggal in await self._fetchall(_PENDING)]

    async def mark_sent(
        self, kind: str, tanggal: date, sent_hash: str, outcome: Outcome, message: str | None
    ) -> None:
        await self._mark_sent(_MARK_SENT, (kind, tanggal), sent_hash, outcome, message)

    async def mark_failed(
        self, kind: str, tanggal: date, outcome: Outcome, message: str,
        refused_hash: str | None = None,
    ) -> None:
        await self._mark_failed(_MARK_FAILED, (kind, tanggal), outcome, message, refused_hash)

    async def last_sent(self) -> dict[str, datetime]:
        return {str(kind): at for kind, at in await self._fetchall(_LAST_SENT)}
