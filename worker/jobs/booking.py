"""The per-visit jobs: ``bpjs_booking`` (Antrean RS) and ``sirs_antrian`` (RS Online KPI).

One job per visit and upstream, keyed by kodebooking, so the visit's steps go
out in order (DESIGN.md principle 3) and the two upstreams never block each
other: a task event fans out into one job each. A job carries only the key and
re-reads Khanza when it runs, so a coalesced job sends the newest values.

Per step the answer decides what happens (principle 4): ``done`` and
``already_done`` are recorded and the next step follows; ``fix_then_retry``
sends the missing ``add`` first and then the step again; ``blocked`` and
``retry`` end the pass and let arq try later; ``permanent`` leaves a dead
letter and stops this visit's later steps, which the upstream would refuse
anyway. Every attempt is written to the ledger.

Logging: one INFO line per job (job id, which carries the kodebooking, and
the summary of what was sent); each step at DEBUG; a refusal for good at
WARNING (the clients log each failed call at WARNING too).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from core.errors import BlockedError, FixThenRetryError, Outcome, UpstreamError
from core.keys import BPJS_BOOKING, SIRS_ANTRIAN, booking_job_id
from core.khanza.bookings import load_booking
from core.khanza.snapshot import BookingSnapshot
from core.khanza.writes.writeback import write_back
from core.masking import mask
from core.plan import Plan, Step, corrections, pending, plan_bpjs, plan_sirs
from worker.jobs.policy import bury
from worker.jobs.runner import run_keyed
from worker.jobs.send import Sent, send_bpjs, send_sirs
from worker.services import Services

__all__ = ["bpjs_booking", "sirs_antrian"]

logger = logging.getLogger(__name__)

Planner = Callable[[BookingSnapshot, Any, frozenset[int]], Plan]
Sender = Callable[[Services, Step], Awaitable[Sent]]

_ROUTES: dict[str, tuple[str, Planner, Sender]] = {
    BPJS_BOOKING: ("bpjs", plan_bpjs, send_bpjs),
    SIRS_ANTRIAN: ("sirs", plan_sirs, send_sirs),
}


async def bpjs_booking(ctx: dict[str, Any], kodebooking: str, force: bool = False) -> str:
    return await _run(ctx, BPJS_BOOKING, kodebooking, force)


async def sirs_antrian(ctx: dict[str, Any], kodebooking: str, force: bool = False) -> str:
    return await _run(ctx, SIRS_ANTRIAN, kodebooking, force)


async def _run(ctx: dict[str, Any], function: str, kodebooking: str, force: bool) -> str:
    async def one_pass(force: bool) -> str:
        return await _pass(ctx, function, kodebooking, force)

    return await run_keyed(ctx, function, [kodebooking], booking_job_id(function, kodebooking),
                           one_pass, force=force)


async def _load(services: Services, kodebooking: str) -> BookingSnapshot | None:
    async with services.khanza.acquire() as connection:
        return await load_booking(connection, kodebooking, services.options)


async def _pass(ctx: dict[str, Any], function: str, kodebooking: str, force: bool) -> str:
    services: Services = ctx["services"]
    upstream, planner, sender = _ROUTES[function]
    # Two databases, two pools: read both at once.
    snapshot, entries = await asyncio.gather(
        _load(services, kodebooking), services.ledger.entries(upstream, kodebooking))
    if snapshot is None:
        return "not in Khanza: nothing to send"
    configured = frozenset(taskid for taskid, _ in services.options.task_sources.pairs)
    plan = planner(snapshot, services.options.zone, configured)
    recorded = snapshot.recorded if upstream == "bpjs" else frozenset()
    steps = pending(plan, entries, recorded=recorded, force=force)
    if upstream == "sirs":  # only RS Online can correct an accepted task time (PUT)
        steps += corrections(plan, entries)
    done = 0
    for step in steps:
        if not await _send(ctx, function, sender, plan, step, snapshot):
            return f"stopped at {step.name} (permanent); {done} step(s) sent"
        done += 1
    tail = f"; waiting: {plan.waiting}" if plan.waiting else ""
    return f"{done} step(s) sent{tail}"


async def _send(
    ctx: dict[str, Any], function: str, sender: Sender, plan: Plan, step: Step,
    snapshot: BookingSnapshot,
) -> bool:
    """Send one step; False when it was refused for good (a dead letter now holds it)."""
    services: Services = ctx["services"]
    upstream = _ROUTES[function][0]
    try:
        try:
            sent = await sender(services, step)
        except FixThenRetryError as exc:
            await _record_failure(services, upstream, snapshot, step, exc)
            fix = plan.step("add")
            if fix is None or step.name == "add" or "add" in snapshot.recorded:
                raise BlockedError(
                    f"{step.name}: {exc.message}; its antrean/add is not sent by this daemon "
                    "(Khanza's SEP form or Mobile JKN creates it), waiting for it",
                    service=upstream,
                ) from None
            logger.debug("%s: %s needs %s first", snapshot.kodebooking, step.name, fix.name)
            fixed = await sender(services, fix)
            await _record_success(services, upstream, snapshot, fix, fixed)
            sent = await sender(services, step)
    except UpstreamError as exc:
        await _record_failure(services, upstream, snapshot, step, exc)
        if exc.outcome is not Outcome.PERMANENT:
            exc.dead_letter.update(step=step.name, payload_hash=step.digest,
                                   visit=snapshot.visit())
            raise
        # This step's dead letter; the visit's later steps stop here (the upstream would
        # refuse them too), the job itself ends normally.
        await bury(ctx, exc, function, [snapshot.kodebooking],
                   job_id=booking_job_id(function, snapshot.kodebooking),
                   message=f"{step.name}: {exc.message}", step=step.name,
                   payload_hash=step.digest, visit=snapshot.visit())
        return False
    await _record_success(services, upstream, snapshot, step, sent)
    return True


async def _record_success(
    services: Services, upstream: str, snapshot: BookingSnapshot, step: Step, sent: Sent
) -> None:
    await services.ledger.record(
        upstream, snapshot.kodebooking, step.name, sent.outcome, code=sent.code,
        message=sent.message, taskid=step.taskid, waktu=step.waktu, payload_hash=step.digest,
        correction=step.kind == "correct",
    )
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s %s %s -> %s (norm %s)", upstream, snapshot.kodebooking, step.name,
                     sent.outcome.value, mask(snapshot.add.norm if snapshot.add else ""))
    if upstream == "bpjs" and services.settings.khanza_writeback:
        await write_back(services.khanza, snapshot, step)


async def _record_failure(
    services: Services, upstream: str, snapshot: BookingSnapshot, step: Step,
    exc: UpstreamError,
) -> None:
    await services.ledger.record(
        upstream, snapshot.kodebooking, step.name, exc.outcome, code=exc.code,
        message=exc.message, taskid=step.taskid, waktu=step.waktu, payload_hash=step.digest,
        correction=step.kind == "correct",
    )
