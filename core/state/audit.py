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
worker's on_shutdown) waits for the queue to drain.

While the state database is down, rows stay queued and the writer tries
again with backoff (0.5 s doubling to 30 s) until it returns: an outage of
minutes loses no row. The queue is bounded by ``MAX_BUFFERED``; past that
(hours of outage on a busy day) the oldest rows are dropped and counted in
the log. Callers never wait on a database that is down; ``close`` waits at
most ``CLOSE_PATIENCE`` seconds for one and then says how many rows it lost.
The ledger, which is what decides whether a step is sent again, is not
batched (``ledger.py``). Each row keeps its call's own time: the database
clock minus how long it waited.
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
MAX_QUEUED = 5_000  # beyond this (database slow, not down) callers wait for the writer
MAX_BUFFERED = 50_000  # beyond this (database down for long) the oldest rows are dropped
CLOSE_PATIENCE = 15.0
FIRST_DELAY = 0.5
MAX_DELAY = 30.0

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
        self._down = False  # the last write failed: the writer is backing off
        self.dropped = 0

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
        if len(self._queued) > MAX_BUFFERED:
            excess = len(self._queued) - MAX_BUFFERED
            del self._queued[:excess]
            self.dropped += excess
            logger.error("audit: state database unavailable for long; dropped the %d oldest "
                         "row(s) (%d in all)", excess, self.dropped)
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write())
        if len(self._queued) >= MAX_QUEUED and not self._down:
            await self.flush()

    async def flush(self) -> None:
        """Wait until every call recorded so far is stored (or its failure logged)."""
        while self._writer is not None:
            await asyncio.shield(self._writer)

    async def close(self, patience: float = CLOSE_PATIENCE) -> None:
        try:
            await asyncio.wait_for(self.flush(), timeout=patience)
        except TimeoutError:
            if self._writer is not None:
                self._writer.cancel()
            lost, self._queued = len(self._queued), []
            logger.error("audit: state database still unavailable at shutdown; %d row(s) "
                         "not stored", lost)

    async def _write(self) -> None:
        delay = FIRST_DELAY
        try:
            while self._queued:
                batch = self._queued[:BATCH]
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
                    # Auditing must never stop sending (observe.py): keep the rows, wait.
                    if not self._down:
                        logger.error("audit: could not store %d row(s), keeping them and "
                                     "trying again: %s", len(self._queued), exc)
                    self._down = True
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, MAX_DELAY)
                    continue
                # Rows queued meanwhile went to the end; these are the first len(batch).
                del self._queued[:len(batch)]
                if self._down:
                    logger.info("audit: state database back; stored the rows kept meanwhile")
                self._down = False
                delay = FIRST_DELAY
        finally:
            self._writer = None
