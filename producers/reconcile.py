"""When the read-back reconcile runs: every N minutes, and once after the last clinic closes.

The producer already reads the day's visits every cycle, so it also decides
when ``bpjs_reconcile`` is due (no second scheduler to deploy):

* every ``SIMRS_BRIDGE_RECONCILE_INTERVAL`` minutes for today (the job reads only
  bookings not yet confirmed, so a frequent run is cheap once the day settles);
* the schedule and mapping check (``bpjs_schedule_check``) once a day;
* once per day of the window after that day's last clinic session ended, taken
  from the visits' own ``jampraktek`` (``HH:MM-HH:MM``): the final look at a
  day, when every task time it will get is in Khanza.

An interval of 0 turns scheduling off (``simrs-bridge reconcile`` still works).
Redis remembers the last run and which days had their closing run, so several
producer processes or a restart schedule each once. Job ids are per day, so a
run already queued coalesces.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from arq.connections import ArqRedis

from core.keys import (
    BPJS_RECONCILE,
    BPJS_SCHEDULE_CHECK,
    RECONCILE_LAST,
    reconcile_closing_key,
    reconcile_job_id,
    schedule_check_job_id,
    schedule_check_queued_key,
)
from core.khanza.snapshot import BookingSnapshot

__all__ = ["ReconcileScheduler", "last_session_end"]

logger = logging.getLogger(__name__)

CLOSING_TTL = 3 * 24 * 3600


def last_session_end(snapshots: Sequence[BookingSnapshot], day: date) -> datetime | None:
    """The end of the day's last clinic session (naive, hospital time), from jampraktek."""
    ends = []
    for snapshot in snapshots:
        if snapshot.tanggal != day or snapshot.add is None:
            continue
        try:
            hour, minute = (int(x) for x in snapshot.add.jampraktek.split("-")[1].split(":"))
        except (IndexError, ValueError):
            continue
        ends.append(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour,
                                                                            minutes=minute))
    return max(ends) if ends else None


class ReconcileScheduler:
    def __init__(self, queue: ArqRedis, interval_minutes: float, zone: ZoneInfo) -> None:
        self.queue = queue
        self.interval = interval_minutes * 60
        self.zone = zone
        self.schedule_checks = 0  # queued so far, for the producer's cycle report

    async def _enqueue(self, day: date) -> bool:
        job = await self.queue.enqueue_job(BPJS_RECONCILE, day.isoformat(),
                                           _job_id=reconcile_job_id(day))
        return job is not None

    async def cycle(self, today: date, snapshots: Sequence[BookingSnapshot]) -> int:
        """Queue what is due; returns how many read-backs were queued now."""
        if self.interval <= 0:
            return 0
        queued = 0
        # The schedule and mapping check, once a day.
        if await self.queue.set(schedule_check_queued_key(today), b"1", nx=True,
                                ex=CLOSING_TTL):
            job = await self.queue.enqueue_job(BPJS_SCHEDULE_CHECK, today.isoformat(),
                                               _job_id=schedule_check_job_id(today))
            self.schedule_checks += job is not None
        now = time.time()
        # SET NX EX: the first process past the interval takes this slot, others skip it.
        if await self.queue.set(RECONCILE_LAST, str(now), nx=True, ex=int(self.interval)):
            queued += await self._enqueue(today)
        local_now = datetime.now(self.zone).replace(tzinfo=None)
        for day in sorted({s.tanggal for s in snapshots if s.tanggal <= today}):
            end = last_session_end(snapshots, day)
            if end is None or local_now < end:
                continue
            if await self.queue.set(reconcile_closing_key(day), b"1", nx=True, ex=CLOSING_TTL):
                logger.info("the last clinic of %s closed at %s: reading BPJS back", day,
                            f"{end:%H:%M}")
                queued += await self._enqueue(day)
        return queued
