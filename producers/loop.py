"""The producer: every few seconds, find what is desired but not acknowledged.

Level-triggered (DESIGN.md principle 1): a cycle reads the active window of
Khanza and the ledger, plans each visit's steps per upstream, and enqueues a
job for every visit that still owes something. Nothing depends on an earlier
enqueue having arrived: a lost or failed job is found again next cycle, and a
job that exists already is not duplicated (deterministic ids). Pending daily
reports from the inbox are enqueued the same way. A nudge on the inbox
(``booking_changed``) wakes the loop early instead of waiting the interval.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

import aiomysql
from arq.connections import ArqRedis
from redis.exceptions import RedisError

from core import db
from core.health import Loops
from core.keys import (
    BPJS_BOOKING,
    BPJS_RECONCILE,
    BPJS_SCHEDULE_CHECK,
    PRODUCER_STATUS,
    SIRS_ANTRIAN,
    SIRS_BEDS,
    SIRS_KEBUTUHAN,
    SIRS_REPORT,
    SIRS_SHK,
    booking_job_id,
    report_job_id,
)
from core.khanza.bookings import load_window
from core.khanza.options import KhanzaOptions, khanza_options
from core.plan import corrections, pending, plan_bpjs, plan_sirs
from core.queue import enqueue, enqueue_kebutuhan, enqueue_shk, open_queue
from core.settings import ENV_PREFIX, Settings
from core.state.migrate import migrate
from core.state.stores import Stores
from producers.beds import BedsProducer
from producers.reconcile import ReconcileScheduler

__all__ = ["LOOP", "CycleReport", "CycleWatcher", "Producer", "open_producer"]

logger = logging.getLogger(__name__)

LOOP = "khanza cycle"



@dataclass
class CycleReport:
    """What one cycle saw and did; kept in Redis for the dashboard and ``check``."""

    started: float
    duration: float = 0.0
    visits: int = 0
    enqueued: dict[str, int] = field(default_factory=dict)
    coalesced: int = 0
    waiting: dict[str, str] = field(default_factory=dict)

    def add(self, function: str, queued: bool) -> None:
        if queued:
            self.enqueued[function] = self.enqueued.get(function, 0) + 1
        else:
            self.coalesced += 1


class CycleWatcher(Protocol):
    """Told when each cycle starts and when it finished well (the binlog feed saves its
    position then: whatever it had received before the start has been acted on)."""

    def cycle_started(self) -> str | None: ...

    async def cycle_done(self, token: str | None) -> None: ...


class Producer:
    def __init__(
        self,
        *,
        khanza: aiomysql.Pool,
        queue: ArqRedis,
        stores: Stores,
        options: KhanzaOptions,
        beds: BedsProducer | None = None,
        reconcile_interval: float = 0.0,
    ) -> None:
        self.khanza = khanza
        self.queue = queue
        self.stores = stores
        self.beds = beds or BedsProducer(khanza=khanza, mapping=stores.bed_mapping, queue=queue)
        self.options = options
        self._configured = frozenset(t for t, _ in options.task_sources.pairs)
        self._told: dict[str, str] = {}  # the waiting reasons already logged, by kodebooking
        self.reconcile = ReconcileScheduler(queue, reconcile_interval, options.zone)

    async def cycle(self, today: date | None = None) -> CycleReport:
        report = CycleReport(started=time.time())
        day = today or datetime.now(self.options.zone).date()
        start, end = self.options.window(day)
        async with self.khanza.acquire() as connection:
            snapshots = await load_window(connection, start, end, self.options)
        report.visits = len(snapshots)
        keys = [s.kodebooking for s in snapshots]
        bpjs_ledger = await self.stores.ledger.entries_for("bpjs", keys)
        sirs_ledger = await self.stores.ledger.entries_for("sirs", keys)
        zone = self.options.zone
        for snapshot in snapshots:
            kode = snapshot.kodebooking
            plan = plan_bpjs(snapshot, zone, self._configured)
            if pending(plan, bpjs_ledger.get(kode, {}), recorded=snapshot.recorded):
                report.add(BPJS_BOOKING, await enqueue(
                    self.queue, BPJS_BOOKING, kode, job_id=booking_job_id(BPJS_BOOKING, kode)))
            sirs_plan = plan_sirs(snapshot, zone, self._configured)
            waiting = plan.waiting or sirs_plan.waiting
            if waiting:
                # Shown even while earlier steps are still being sent: what comes after
                # them waits for Khanza, and a person should see why now.
                report.waiting[kode] = waiting
            sirs_done = sirs_ledger.get(kode, {})
            if pending(sirs_plan, sirs_done) or corrections(sirs_plan, sirs_done):
                report.add(SIRS_ANTRIAN, await enqueue(
                    self.queue, SIRS_ANTRIAN, kode, job_id=booking_job_id(SIRS_ANTRIAN, kode)))
        checks = self.reconcile.schedule_checks
        for _ in range(await self.reconcile.cycle(day, snapshots)):
            report.add(BPJS_RECONCILE, True)
        for _ in range(self.reconcile.schedule_checks - checks):
            report.add(BPJS_SCHEDULE_CHECK, True)
        for kind, tanggal in await self.stores.reports.pending():
            report.add(SIRS_REPORT, await enqueue(
                self.queue, SIRS_REPORT, kind, tanggal.isoformat(),
                job_id=report_job_id(kind, tanggal)))
        for kind, id_kebutuhan in await self.stores.kebutuhan.pending():
            report.add(SIRS_KEBUTUHAN, await enqueue_kebutuhan(self.queue, kind, id_kebutuhan))
        for pasien_id in await self.stores.shk.pending():
            report.add(SIRS_SHK, await enqueue_shk(self.queue, pasien_id))
        try:
            queued = await self.beds.cycle()
        except (aiomysql.Error, RedisError, OSError) as exc:
            logger.warning("bed step skipped this cycle: %s", exc)
        else:
            if queued is not None:
                report.add(SIRS_BEDS, queued)
        report.duration = time.time() - report.started
        self._tell(report.waiting)
        await self._publish(report)
        return report

    def _tell(self, waiting: dict[str, str]) -> None:
        """One log line per visit when it starts waiting (or its reason changes), not per cycle."""
        for kode, reason in waiting.items():
            if self._told.get(kode) != reason:
                logger.warning("booking %s waits for Khanza: %s", kode, reason)
        for kode in set(self._told) - set(waiting):
            logger.info("booking %s no longer waits", kode)
        self._told = dict(waiting)

    async def _publish(self, report: CycleReport) -> None:
        await self.queue.set(PRODUCER_STATUS, json.dumps({
            "last_cycle": report.started,
            "duration": report.duration,
            "visits": report.visits,
            "enqueued": report.enqueued,
            "coalesced": report.coalesced,
            "waiting": report.waiting,
        }))

    async def run(self, interval: float, nudges: asyncio.Event, stop: asyncio.Event,
                  health: Loops | None = None, watcher: CycleWatcher | None = None) -> None:
        """Cycle until ``stop``; a failed cycle is logged and retried, never fatal.

        Cycles start every ``interval`` seconds (counted from the start of the previous
        one, so a change waits at most one interval for its cycle), or at once when the
        SIMRS nudges through the inbox or the binlog feed (``watcher``) sees a change.
        """
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            started = loop.time()
            # Cleared before the cycle reads Khanza, not after: a nudge that arrives while
            # the cycle runs may be about a commit the cycle did not see, so it must start
            # the next cycle at once instead of being lost until the interval ends.
            nudges.clear()
            token = watcher.cycle_started() if watcher is not None else None
            try:
                report = await self.cycle()
                if report.enqueued:
                    logger.info("cycle: %d visits, enqueued %s (%d coalesced) in %.2f s",
                                report.visits, report.enqueued, report.coalesced,
                                report.duration)
                if watcher is not None:
                    await watcher.cycle_done(token)
                if health is not None:
                    health.ok(LOOP)
            except (aiomysql.Error, RedisError, OSError) as exc:
                logger.warning("cycle failed, trying again in %.0f s: %s", interval, exc)
                if health is not None:
                    health.failed(LOOP, f"{type(exc).__name__}: {exc}")
            pause = max(0.0, interval - (loop.time() - started))
            waiters = [asyncio.ensure_future(e.wait()) for e in (nudges, stop)]
            await asyncio.wait(waiters, timeout=pause, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()


@asynccontextmanager
async def open_producer(settings: Settings) -> AsyncIterator[Producer]:
    """A producer with its own pools and queue on a migrated state database, closed after.

    The daemon, ``producer --once``, the tests and the benchmarks all start one this way.
    """
    khanza = await db.create_pool(settings.khanza_db_url, setting=f"{ENV_PREFIX}KHANZA_DB_URL")
    state = await db.create_pool(settings.state_db_url, setting=f"{ENV_PREFIX}STATE_DB_URL")
    queue = await open_queue(settings.redis_url)
    try:
        async with state.acquire() as connection:
            await migrate(connection)
        yield Producer(khanza=khanza, queue=queue, stores=Stores.over(state),
                       options=khanza_options(settings),
                       reconcile_interval=settings.reconcile_interval)
    finally:
        for pool in (khanza, state):
            pool.close()
            await pool.wait_closed()
        await queue.aclose()
