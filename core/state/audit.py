"""The audit log: one row per upstream call, bodies redacted.

When BPJS disputes a service time or RS Online shows yesterday's beds, staff
need to see exactly what we sent and what came back. The clients report each
call as a ``CallRecord``; this module stores it with identifiers masked and
secrets removed (``core.masking``), and bodies cut to a size a busy day's
table can hold.

Rows are written in batches (group commit), not one INSERT per call: one
round trip per call was a tenth of a worker's time. ``record`` queues the row
and returns; one writer task stores whatever has queued up in a single
multi-row INSERT and repeats while rows keep arriving, so an idle worker
writes a row at once and a busy one writes many per round trip. The cost of
that: a worker that crashes (SIGKILL, power loss) loses the rows still queued,
at most the last fraction of a second of calls (one INSERT's duration). A
normal shutdown loses nothing: ``close`` (called by ``Services.close`` in the
worker's on_shutdown) waits for the queue to drain. The ledger, which is what
decides whether a step is sent again, is not batched (``ledger.py``). Each row
keeps its call's own time: the database clock minus how long it waited.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

import aiomysql
import pymysql

from core.masking import redact_text
from core.observe import CallRecord

__all__ = ["AuditLog"]

logger = logging.getLogger(__name__)

BODY_LIMIT = 16_000
BATCH = 200  # rows per INSERT
MAX_QUEUED = 5_000  # beyond this (database stalled) callers wait for the writer

# Append calls; the id orders calls that share a millisecond. ``at`` is the
# database's clock minus the row's time in the queue (microseconds).
_INSERT = """
INSERT INTO audit (at, upstream, method, path, http_status, code, outcome, duration_ms,
                   job_id, message, request_body, response_body)
VALUES {rows}
"""
_ROW = "(UTC_TIMESTAMP(6) - INTERVAL %s MICROSECOND, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"

Row = tuple[object, ...]


def _cut(text: str | None) -> str | None:
    if text is None:
        return None
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + "…(truncated)"


class AuditLog:
    def __init__(self, pool: aiomysql.Pool, secrets: Iterable[str]) -> None:
        self._pool = pool
        self._secrets = [s for s in secrets if s]
        self._queued: list[tuple[float, Row]] = []
        self._writer: asyncio.Task[None] | None = None

    def _clean(self, text: str | None) -> str | None:
        return None if text is None else _cut(redact_text(text, self._secrets))

    async def record(self, call: CallRecord) -> None:
        """Queue one call for the writer (see the module docstring); returns at once."""
        params = (
            call.upstream, call.method, call.path[:300], call.http_status, call.code,
            call.outcome.value, call.duration_ms, call.job_id,
            self._clean(call.message[:1000] if call.message else None),
            self._clean(call.request_body), self._clean(call.response_body),
        )
        self._queued.append((time.monotonic(), params))
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write())
        if len(self._queued) >= MAX_QUEUED:
            await self.flush()

    async def flush(self) -> None:
        """Wait until every call recorded so far is stored (or its failure logged)."""
        while self._writer is not None:
            await asyncio.shield(self._writer)

    async def close(self) -> None:
        await self.flush()

    async def _write(self) -> None:
        try:
            while self._queued:
                batch, self._queued = self._queued[:BATCH], self._queued[BATCH:]
                now = time.monotonic()
                params: list[object] = []
                for queued_at, row in batch:
                    params.append(int((now - queued_at) * 1_000_000))
                    params.extend(row)
                sql = _INSERT.format(rows=", ".join([_ROW] * len(batch)))
                try:
                    async with self._pool.acquire() as connection, connection.cursor() as cursor:
                        await cursor.execute(sql, params)
                except (pymysql.err.MySQLError, OSError) as exc:
                    # Auditing must never stop sending (observe.py); the loss is logged.
                    logger.error("could not store %d audit row(s): %s", len(batch), exc)
        finally:
            self._writer = None
