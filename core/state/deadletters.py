"""Dead letters: work that failed for good, kept with the upstream's own words.

Nothing is dropped (DESIGN.md principle 5). A job that ran out of attempts or
got a permanent answer leaves a row here with its keys (never values or
secrets: a replay re-reads the newest data), visible on the dashboard and
replayable from there or from ``simrs-bridge dead-letters replay``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import Outcome
from core.hints import hint, is_data_error
from core.state.store import Row, Store

__all__ = ["DeadLetter", "DeadLetters"]


@dataclass(frozen=True)
class DeadLetter:
    id: int
    job_id: str
    function: str
    args: list[Any]
    upstream: str | None
    outcome: str
    code: str | None
    message: str
    attempts: int
    failed_at: datetime
    replayed_at: datetime | None
    step: str | None = None
    payload_hash: str | None = None
    visit: dict[str, Any] | None = None

    @property
    def hint(self) -> str:
        """What to do about it, from the outcome and the upstream's message."""
        return hint(self.outcome, self.message)

    @property
    def data_error(self) -> bool:
        return is_data_error(self.outcome, self.message)


_ADD = """
INSERT INTO dead_letter (job_id, function, args, upstream, outcome, code, message, attempts,
                         failed_at, step, payload_hash, visit)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, UTC_TIMESTAMP(3), %s, %s, %s)
"""

# Open dead letters, newest first, for the dashboard and the CLI.
_OPEN = (
    "SELECT id, job_id, function, args, upstream,"
    " outcome, code, message, attempts, failed_at, replayed_at, step, payload_hash, visit"
    " FROM dead_letter WHERE replayed_at IS NULL ORDER BY id DESC LIMIT %s"
)

_ONE = (
    "SELECT id, job_id, function, args, upstream,"
    " outcome, code, message, attempts, failed_at, replayed_at, step, payload_hash, visit"
    " FROM dead_letter WHERE id = %s"
)

# Claim for replay; the row count says whether this caller won (no double replays).
_MARK_REPLAYED = (
    "UPDATE dead_letter SET replayed_at = UTC_TIMESTAMP(3) WHERE id = %s AND replayed_at IS NULL"
)

_COUNT_OPEN = "SELECT COUNT(*) FROM dead_letter WHERE replayed_at IS NULL"


def _letter(row: Row) -> DeadLetter:
    return DeadLetter(
        id=int(row[0]), job_id=row[1], function=row[2], args=json.loads(row[3]),
        upstream=row[4], outcome=row[5], code=row[6], message=row[7], attempts=int(row[8]),
        failed_at=row[9], replayed_at=row[10], step=row[11], payload_hash=row[12],
        visit=json.loads(row[13]) if row[13] else None,
    )


class DeadLetters(Store):
    async def add(
        self, job_id: str, function: str, args: list[Any], *, upstream: str | None,
        outcome: Outcome, code: str | None, message: str, attempts: int,
        step: str | None = None, payload_hash: str | None = None,
        visit: dict[str, Any] | None = None,
    ) -> int:
        """``visit``: what staff need to find it (never an unmasked patient identifier)."""
        return await self._lastrowid(_ADD, (
            job_id, function, json.dumps(args), upstream, outcome.value, code,
            message[:1000], attempts, step, payload_hash,
            None if visit is None else json.dumps(visit, ensure_ascii=False)[:1000],
        ))

    async def open(self, limit: int = 200) -> list[DeadLetter]:
        return [_letter(row) for row in await self._fetchall(_OPEN, (limit,))]

    async def get(self, letter_id: int) -> DeadLetter | None:
        row = await self._fetchone(_ONE, (letter_id,))
        return None if row is None else _letter(row)

    async def claim_replay(self, letter_id: int) -> bool:
        return await self._execute(_MARK_REPLAYED, (letter_id,)) == 1

    async def count_open(self) -> int:
        row = await self._fetchone(_COUNT_OPEN)
        return int(row[0]) if row else 0
