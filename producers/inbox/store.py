"""Storing one validated event, newest first, and naming the job that sends it.

The state tables are the desired state (DESIGN.md principle 1): once an
event is stored here the stream entry may be acknowledged, and the job the
inbox enqueues next is only a shortcut, since the producer cycle finds every
stored but unsent item again. ``NewestApplied`` keeps an entry reclaimed late
from a dead consumer from overwriting a newer event for the same subject.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiomysql
from arq.connections import ArqRedis

from core.keys import SIRS_REPORT, report_job_id
from core.masking import mask
from core.queue import enqueue, enqueue_kebutuhan, enqueue_shk
from core.state.kebutuhan import KebutuhanStore
from core.state.reports import DailyReports
from core.state.shk import ShkStore
from producers.inbox.events import HasilShkEvent, KebutuhanEvent, ReportEvent, ShkEvent

__all__ = ["InboxStores", "Job", "NewestApplied", "Stored", "sortable_id"]

logger = logging.getLogger(__name__)

Job = Callable[[ArqRedis], Awaitable[bool]]


@dataclass(frozen=True)
class Stored:
    """What storing did: ``stale`` if a newer entry was applied already; the job to enqueue."""

    job: Job | None
    stale: bool = False

# Record the entry as applied unless a newer one was; GREATEST keeps the newest id.
_CLAIM = """
INSERT INTO inbox_newest (subject, stream_id, applied_at) VALUES (%s, %s, UTC_TIMESTAMP(3))
ON DUPLICATE KEY UPDATE
    applied_at = IF(VALUES(stream_id) >= stream_id, VALUES(applied_at), applied_at),
    stream_id = GREATEST(stream_id, VALUES(stream_id))
"""

_NEWEST = "SELECT stream_id FROM inbox_newest WHERE subject = %s"


def sortable_id(entry_id: str) -> str:
    """``1700000000000-7`` as a string whose order is stream order."""
    millis, _, seq = entry_id.partition("-")
    return f"{int(millis):015d}-{int(seq or 0):020d}"


class NewestApplied:
    def __init__(self, pool: aiomysql.Pool) -> None:
        self._pool = pool

    async def claim(self, subject: str, entry_id: str) -> bool:
        """True if ``entry_id`` is the newest entry seen for ``subject`` (or the same one again).

        Claimed before the payload is stored: if storing then fails, the entry
        stays pending and its retry claims the same id again, which passes.
        """
        ours = sortable_id(entry_id)
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(_CLAIM, (subject, ours))
            await cursor.execute(_NEWEST, (subject,))
            row = await cursor.fetchone()
        return row is not None and str(row[0]) == ours


@dataclass
class InboxStores:
    reports: DailyReports
    kebutuhan: KebutuhanStore
    shk: ShkStore
    newest: NewestApplied

    @classmethod
    def on(cls, pool: aiomysql.Pool) -> InboxStores:
        return cls(DailyReports(pool), KebutuhanStore(pool), ShkStore(pool), NewestApplied(pool))

    async def store(
        self, entry_id: str, event: ReportEvent | KebutuhanEvent | ShkEvent | HasilShkEvent
    ) -> Stored:
        """Store the event; the job is None when stale or when a result waits for its patient.

        Raises the database's errors unchanged: the caller leaves the entry pending.
        """
        if not await self.newest.claim(event.subject, entry_id):
            logger.info("inbox %s: %s is older than one already applied; skipped", entry_id,
                        event.describe())
            return Stored(None, stale=True)
        if isinstance(event, ReportEvent):
            kind, tanggal = event.kind, event.tanggal.isoformat()
            await self.reports.upsert(event.kind, event.tanggal, event.payload)
            return Stored(lambda queue: enqueue(queue, SIRS_REPORT, kind, tanggal,
                                                job_id=report_job_id(kind, tanggal)))
        if isinstance(event, KebutuhanEvent):
            kind, ident = event.kind, event.id_kebutuhan
            await self.kebutuhan.upsert(kind, ident, event.payload)
            return Stored(lambda queue: enqueue_kebutuhan(queue, kind, ident))
        if isinstance(event, ShkEvent):
            pasien_id = await self.shk.upsert_pasien(event.ref, event.payload)
            return Stored(lambda queue: enqueue_shk(queue, pasien_id))
        found = await self.shk.upsert_hasil(event.ref, event.jenis_pemeriksaan, event.payload)
        if found is None:
            logger.info("inbox %s: result for shk %s stored; it waits for the shk event",
                        entry_id, mask(event.ref))
            return Stored(None)
        return Stored(lambda queue: enqueue_shk(queue, found))
