"""The audit log: one row per upstream call, bodies redacted.

When BPJS disputes a service time or RS Online shows yesterday's beds, staff
need to see exactly what we sent and what came back. The clients report each
call as a ``CallRecord``; this module stores it with identifiers masked and
secrets removed (``worker.redact``), and bodies cut to a size a busy day's
table can hold.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import aiomysql

from ..observe import CallRecord
from ..redact import redact_text

__all__ = ["AuditLog"]

logger = logging.getLogger(__name__)

BODY_LIMIT = 16_000


# Append one call; the id orders calls that share a millisecond.
_INSERT = """
INSERT INTO audit (at, upstream, method, path, http_status, code, outcome, duration_ms,
                   job_id, message, request_body, response_body)
VALUES (UTC_TIMESTAMP(3), %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""


def _cut(text: str | None) -> str | None:
    if text is None:
        return None
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + "…(truncated)"


class AuditLog:
    def __init__(self, pool: aiomysql.Pool, secrets: Iterable[str]) -> None:
        self._pool = pool
        self._secrets = [s for s in secrets if s]

    def _clean(self, text: str | None) -> str | None:
        return None if text is None else _cut(redact_text(text, self._secrets))

    async def record(self, call: CallRecord) -> None:
        params = (
            call.upstream, call.method, call.path[:300], call.http_status, call.code,
            call.outcome.value, call.duration_ms, call.job_id,
            self._clean(call.message[:1000] if call.message else None),
            self._clean(call.request_body), self._clean(call.response_body),
        )
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(_INSERT, params)
