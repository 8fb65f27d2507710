"""``bpjs_reconcile``: read back what BPJS holds for one day and close the gaps.

One job per day (id ``bpjs:reconcile:<tanggal>``): the producer schedules it
every ``SIMRS_BRIDGE_RECONCILE_INTERVAL`` minutes and once after the last
clinic closes, and ``simrs-bridge reconcile --date D`` queues it on demand.
A run reads ``antrean/pendaftaran/tanggal/{D}`` once, then
``antrean/getlisttask`` for each booking whose chain is not confirmed yet, and
per booking (``core.reconcile.compare``):

* confirms the steps BPJS holds at Khanza's exact time, keeping BPJS's receive
  time (``wakturs``) in the ledger; a booking whose steps are all confirmed is
  never read again (only a step added later in Khanza is);
* re-sends, in order and with Khanza's own times, what BPJS lacks, including
  history Khanza's own sender marked ``Sudah`` without delivering, then reads
  the booking back once more to confirm it;
* reports without changing anything what cannot be corrected: another time at
  BPJS than in Khanza, a task Khanza has no time for, a booking Khanza lacks.

Behind live sends, never ahead of them. The read-back is bulk work with no
deadline; a live send is a patient's task the BPJS dashboard shows now. So the
run works one call at a time (it holds at most one rate-limit permit and one
concurrency lease of the shared BPJS limiter, never a burst) and before every
call checks the queue: while any other job is due and not yet running (the
worker is saturated), it waits. After ``SIMRS_BRIDGE_RECONCILE_YIELD_MAX``
seconds of waiting in total it stops; what it confirmed is kept and the next
run goes on from there. A separate queue or arq priorities would not do it:
arq has no priorities, and a second worker pool would still share the limiter.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, TypeVar

from arq.constants import in_progress_key_prefix, job_key_prefix

from core.errors import BridgeError, FixThenRetryError, RetryableError, UpstreamError
from core.keys import (
    BPJS_BOOKING,
    BPJS_RECONCILE,
    QUEUE_NAME,
    booking_job_id,
    reconcile_job_id,
    reconcile_status_key,
)
from core.khanza.bookings import load_window
from core.khanza.snapshot import BookingSnapshot
from core.observe import current_job_id
from core.plan import Step, plan_bpjs
from core.reconcile import Held, HeldTask, Verdict, chain_gap, compare, needs_reading
from core.state.ledger import LedgerEntry
from worker.jobs.send import send_bpjs
from worker.services import Services

__all__ = ["ReconcileReport", "bpjs_reconcile", "live_work_waiting"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

STATUS_TTL = 14 * 24 * 3600
_PAUSE = 0.25  # seconds between looks at the queue while live work waits
_PEEK = 64  # due jobs looked at per check: enough to see the worker is saturated


class _Yielded(BridgeError):
    """Live sends kept the worker busy past the budget: stop, the next run goes on."""


@dataclass
class ReconcileReport:
    """What one run did; kept in Redis for the dashboard and printed by the CLI."""

    tanggal: str
    started: float = field(default_factory=time.time)
    finished: float | None = None
    bookings: int = 0
    skipped_confirmed: int = 0
    confirmed: list[str] = field(default_factory=list)
    resent: dict[str, list[str]] = field(default_factory=dict)
    contradictions: dict[str, str] = field(default_factory=dict)
    not_in_khanza: dict[str, str] = field(default_factory=dict)
    incomplete: dict[str, str] = field(default_factory=dict)
    calls: dict[str, dict[str, int]] = field(default_factory=dict)
    """Upstream calls per booking: ``getlisttask`` reads and ``sent`` steps."""
    pendaftaran_calls: int = 0
    waited: float = 0.0
    stopped: str | None = None

    def count(self, kodebooking: str, kind: str) -> None:
        per = self.calls.setdefault(kodebooking, {})
        per[kind] = per.get(kind, 0) + 1

    def summary(self) -> str:
        text = (f"{self.tanggal}: {self.bookings} booking(s), {self.skipped_confirmed} already "
                f"confirmed, {len(self.confirmed)} confirmed now, "
                f"{sum(len(v) for v in self.resent.values())} step(s) re-sent, "
                f"{len(self.contradictions) + len(self.not_in_khanza)} contradiction(s), "
                f"{len(self.incomplete)} incomplete")
        return text + (f"; stopped: {self.stopped}" if self.stopped else "")


async def live_work_waiting(services: Services) -> bool:
    """Is another job due and not running, i.e. is the worker saturated with live work?"""
    now_ms = int(time.time() * 1000)
    due = await services.redis.zrangebyscore(QUEUE_NAME, "-inf", now_ms, start=0, num=_PEEK)
    ids = [raw.decode() if isinstance(raw, bytes) else str(raw) for raw in due]
    ids = [i for i in ids if not i.startswith(reconcile_job_id(""))]
    if not ids:
        return False
    async with services.redis.pipeline(transaction=False) as pipe:
        for job_id in ids:
            pipe.exists(in_progress_key_prefix + job_id)
        running = await pipe.execute()
    return not all(running)


async def _behind_live(services: Services, report: ReconcileReport) -> None:
    budget = services.settings.reconcile_yield_max
    while await live_work_waiting(services):
        if report.waited >= budget:
            raise _Yielded(f"live sends kept the worker busy for {report.waited:.0f} s")
        await asyncio.sleep(_PAUSE)
        report.waited += _PAUSE


async def _read(services: Services, report: ReconcileReport,
                call: Callable[[], Awaitable[T]]) -> T:
    """One read, after live work, through the shared breaker and rate limiter."""
    await _behind_live(services, report)
    async with services.breakers["bpjs"].guard(), services.limiters["bpjs"].slot():
        return await call()


async def _live_job_in_flight(services: Services, kodebooking: str) -> bool:
    """A queued or running ``bpjs_booking`` job sends this visit's steps itself."""
    job_id = booking_job_id(BPJS_BOOKING, kodebooking)
    return bool(await services.redis.exists(job_key_prefix + job_id,
                                            in_progress_key_prefix + job_id))


async def _held_tasks(services: Services, report: ReconcileReport, kodebooking: str
                      ) -> dict[int, HeldTask] | None:
    """BPJS's tasks of a booking; None when BPJS does not know the booking after all."""
    report.count(kodebooking, "getlisttask")
    try:
        items = await _read(services, report, lambda: services.bpjs.get_list_task(kodebooking))
    except FixThenRetryError:  # "Kode Booking tidak ditemukan"
        return None
    return {item.taskid: HeldTask(item.taskid, item.waktu, item.wakturs) for item in items}


async def _apply(services: Services, snapshot: BookingSnapshot, verdict: Verdict) -> None:
    await services.ledger.confirm("bpjs", snapshot.kodebooking, verdict.confirm)


async def _resend(services: Services, report: ReconcileReport, snapshot: BookingSnapshot,
                  steps: tuple[Step, ...]) -> int:
    """Send what BPJS lacks, in order; stop at the first refusal (later steps depend on it)."""
    sent = 0
    for step in steps:
        report.count(snapshot.kodebooking, "sent")
        await _behind_live(services, report)
        try:
            answer = await send_bpjs(services, step)
        except UpstreamError as exc:
            await services.ledger.record(
                "bpjs", snapshot.kodebooking, step.name, exc.outcome, code=exc.code,
                message=exc.message, taskid=step.taskid, waktu=step.waktu,
                payload_hash=step.digest)
            if isinstance(exc, RetryableError):
                raise
            logger.warning("reconcile: %s %s refused: %s", snapshot.kodebooking, step.name,
                           exc.message)
            return sent
        await services.ledger.record(
            "bpjs", snapshot.kodebooking, step.name, answer.outcome, code=answer.code,
            message=answer.message, taskid=step.taskid, waktu=step.waktu,
            payload_hash=step.digest)
        report.resent.setdefault(snapshot.kodebooking, []).append(step.name)
        sent += 1
    return sent


async def _booking(services: Services, report: ReconcileReport, snapshot: BookingSnapshot,
                   entries: dict[str, LedgerEntry], listed: dict[str, str]) -> None:
    zone = services.options.zone
    configured = frozenset(t for t, _ in services.options.task_sources.pairs)
    plan = plan_bpjs(snapshot, zone, configured)
    kode = snapshot.kodebooking
    if not needs_reading(plan, entries):
        report.skipped_confirmed += 1
        return
    status = listed.get(kode)
    tasks = None if status is None else await _held_tasks(services, report, kode)
    held = Held(tasks is not None, status or "", tasks or {})
    verdict = compare(snapshot, plan, entries, held, zone)
    await _apply(services, snapshot, verdict)
    if verdict.resend and not verdict.contradictions:
        if await _live_job_in_flight(services, kode):
            report.incomplete[kode] = f"{verdict.reason}; a live job is sending it now"
            await _store(services, snapshot, verdict.state, report.incomplete[kode])
            return
        if await _resend(services, report, snapshot, verdict.resend):
            tasks = await _held_tasks(services, report, kode)
            held = Held(tasks is not None, status or "", tasks or {})
            entries = await services.ledger.entries("bpjs", kode)
            verdict = compare(snapshot, plan, entries, held, zone)
            await _apply(services, snapshot, verdict)
    elif verdict.resend:
        # Sending around a contradiction would only be refused against BPJS's other time.
        logger.info("reconcile: %s has a contradiction; not re-sending %s", kode,
                    ", ".join(s.name for s in verdict.resend))
    gap = None
    if verdict.state == "confirmed":
        report.confirmed.append(kode)
        gap = chain_gap(snapshot, configured)
    elif verdict.state == "contradiction":
        report.contradictions[kode] = verdict.reason or ""
    else:
        report.incomplete[kode] = verdict.reason or ""
    reason = verdict.reason
    if verdict.state == "contradiction":
        reason = f"cannot be corrected: {reason}"
    await _store(services, snapshot, verdict.state, gap or reason,
                 complete=verdict.state == "confirmed" and gap is None)


async def _store(services: Services, snapshot: BookingSnapshot, state: Any,
                 reason: str | None, *, complete: bool = False) -> None:
    kodepoli = snapshot.add.kodepoli if snapshot.add is not None else None
    await services.stores.readbacks.set("bpjs", snapshot.kodebooking, snapshot.tanggal,
                                        kodepoli, state, reason, complete=complete)


async def reconcile_day(services: Services, day: date) -> ReconcileReport:
    report = ReconcileReport(day.isoformat())
    async with services.khanza.acquire() as connection:
        snapshots = [s for s in await load_window(connection, day, day, services.options)
                     if s.tanggal == day]
    report.bookings = len(snapshots)
    entries = await services.ledger.entries_for("bpjs", [s.kodebooking for s in snapshots])
    try:
        report.pendaftaran_calls += 1
        rows = await _read(services, report,
                           lambda: services.bpjs.pendaftaran_per_tanggal(day))
        listed = {row.kodebooking: row.status for row in rows}
        known = {s.kodebooking for s in snapshots}
        for row in rows:
            if row.kodebooking in known:
                continue
            reason = (f"BPJS holds booking {row.kodebooking} (poli {row.kodepoli}, "
                      f"{row.status or 'no status'}) that Khanza does not have for {day}")
            report.not_in_khanza[row.kodebooking] = reason
            await services.stores.readbacks.set("bpjs", row.kodebooking, day, row.kodepoli or None,
                                                "not_in_khanza", reason)
        for snapshot in snapshots:
            await _booking(services, report, snapshot, entries.get(snapshot.kodebooking, {}),
                           listed)
    except (_Yielded, RetryableError) as exc:
        report.stopped = str(exc)
    report.finished = time.time()
    await services.redis.set(reconcile_status_key(day), json.dumps(asdict(report)),
                             ex=STATUS_TTL)
    return report


async def bpjs_reconcile(ctx: dict[str, Any], tanggal: str) -> str:
    services: Services = ctx["services"]
    token = current_job_id.set(reconcile_job_id(tanggal))
    try:
        report = await reconcile_day(services, date.fromisoformat(tanggal))
    finally:
        current_job_id.reset(token)
    summary = report.summary()
    logger.info("%s: %s", BPJS_RECONCILE, summary)
    return summary
