"""A task time changed in Khanza after the upstream accepted it.

RS Online takes a correction (PUT ``Antrian/Task``) and gets Khanza's new time;
BPJS has no correction, so the read-back reports the contradiction and nothing
is sent to BPJS to "fix" it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.khanza.bookings import load_window
from core.plan import corrections, plan_sirs
from core.queue import open_queue
from producers.loop import Producer
from sandbox.fake_bpjs import RunningFake
from sandbox.fake_sirs import RunningFakeSirs
from worker.jobs.booking import bpjs_booking, sirs_antrian
from worker.jobs.reconcile import reconcile_day
from worker.services import Services

DAY = date(2025, 1, 15)
WALK_IN = "2025/01/15/000005"
WIB = ZoneInfo("Asia/Jakarta")
Ctx = Callable[..., dict[str, Any]]


def ms(hhmm: str) -> int:
    hour, minute = map(int, hhmm.split(":"))
    return int(datetime(2025, 1, 15, hour, minute, tzinfo=WIB).timestamp() * 1000)


async def move_task3(services: Services, to: str) -> None:
    async with services.khanza.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("UPDATE mutasi_berkas SET dikirim = %s WHERE no_rawat = %s",
                             (f"2025-01-15 {to}:00", WALK_IN))


def writes(fake: RunningFakeSirs) -> list[tuple[str, str]]:
    return [(s.method, s.resource) for s in fake.state.seen if s.method != "GET"]


async def test_rs_online_gets_a_put_with_khanzas_new_time_once(
    services: Services, ctx: Ctx, fake_sirs: RunningFakeSirs,
) -> None:
    await sirs_antrian(ctx(), WALK_IN)
    assert fake_sirs.state.tasks[(WALK_IN, 3)]["waktu"] == ms("08:15")
    sent_before = len(writes(fake_sirs))

    await move_task3(services, "08:17")
    async with services.khanza.acquire() as connection:
        snapshot = next(s for s in await load_window(connection, DAY, DAY, services.options)
                        if s.kodebooking == WALK_IN)
    entries = await services.ledger.entries("sirs", WALK_IN)
    assert [s.name for s in corrections(plan_sirs(snapshot, WIB), entries)] == ["task3"]

    summary = await sirs_antrian(ctx(), WALK_IN)
    assert summary.startswith("1 step(s) sent")
    assert fake_sirs.state.tasks[(WALK_IN, 3)]["waktu"] == ms("08:17")
    assert writes(fake_sirs)[sent_before:] == [("PUT", "Antrian/Task")]
    assert (await services.ledger.entries("sirs", WALK_IN))["task3"].waktu == ms("08:17")
    # Corrected once: nothing is owed any more.
    assert (await sirs_antrian(ctx(), WALK_IN)).startswith("0 step(s) sent")
    assert len(writes(fake_sirs)) == sent_before + 1


async def test_the_producer_queues_the_correction(
    services: Services, ctx: Ctx, fake_sirs: RunningFakeSirs,
) -> None:
    await sirs_antrian(ctx(), WALK_IN)
    await bpjs_booking(ctx(), WALK_IN)
    queue = await open_queue(services.settings.redis_url)
    producer = Producer(khanza=services.khanza, queue=queue, stores=services.stores,
                        options=services.options)
    await move_task3(services, "08:17")
    try:
        report = await producer.cycle(today=DAY)
    finally:
        await queue.aclose()
    assert report.enqueued.get("sirs_antrian", 0) >= 1
    queued = {m.decode() for m in await services.redis.zrange("simrs-bridge:queue", 0, -1)}
    assert f"sirs:antrian:{WALK_IN}" in queued
    # BPJS cannot be corrected: no BPJS job for the walk-in (everything was accepted).
    assert f"bpjs:booking:{WALK_IN}" not in queued


async def test_bpjs_shows_the_changed_time_as_a_contradiction(
    services: Services, ctx: Ctx, fake_bpjs: RunningFake,
) -> None:
    await bpjs_booking(ctx(), WALK_IN)
    assert WALK_IN in (await reconcile_day(services, DAY)).confirmed
    await move_task3(services, "08:17")
    report = await reconcile_day(services, DAY)  # confirmed before, read again: it moved
    assert fake_bpjs.state.bookings[WALK_IN].tasks[3].waktu == ms("08:15")  # untouched
    assert "task 3: BPJS holds 15-01-2025 08:15:00 WIB, Khanza has 2025-01-15 08:17:00" in (
        report.contradictions[WALK_IN])
    assert WALK_IN not in report.resent
