"""Task source chains (``a|b``) on real MariaDB, the producer and a real worker.

Under the ``wsrs`` preset task 3 is the WS RS check-in, else the medical-record file
sent: a walk-in (no check-in) gets task 3 from its file movement while a checked-in
booking keeps its check-in time. And the order question: a file-sent time already
accepted is not replaced at BPJS when a check-in appears later (read-back shows the
difference); RS Online, which takes corrections, is corrected to the check-in time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiomysql
import pytest
import redis.asyncio as aioredis

from core.queue import open_queue
from core.settings import Settings
from producers.loop import Producer
from sandbox.fake_bpjs import RunningFake
from sandbox.fake_sirs import RunningFakeSirs
from worker.jobs.booking import bpjs_booking, sirs_antrian
from worker.jobs.reconcile import reconcile_day
from worker.services import Services, open_services

DAY = date(2025, 1, 15)
WIB = ZoneInfo("Asia/Jakarta")
WALK_IN = "2025/01/15/000005"  # registered at the desk: no booking, no check-in
CHECKED_IN = "20250115000002"  # existing patient, checked in 07:55, file sent 08:00
NOT_CHECKED_IN = "20250115000003"  # booked in Mobile JKN, never checked in through the app


def ms(hhmm: str) -> int:
    hour, minute = map(int, hhmm.split(":"))
    return int(datetime(2025, 1, 15, hour, minute, tzinfo=WIB).timestamp() * 1000)


@pytest.fixture
def wsrs_preset(bridge_settings: Settings) -> Settings:
    return bridge_settings.model_copy(update={"task_sources": "wsrs"})


@pytest.fixture
async def wsrs_services(wsrs_preset: Settings, redis: aioredis.Redis
                        ) -> AsyncIterator[Services]:
    opened = await open_services(wsrs_preset)
    yield opened
    await opened.close()


async def khanza_sql(services: Services, *statements: str) -> None:
    async with services.khanza.acquire() as connection, connection.cursor() as cursor:
        for statement in statements:
            await cursor.execute(statement)
        await connection.commit()


async def test_a_walk_in_gets_task_3_from_its_file_and_a_checked_in_booking_its_check_in(
    wsrs_preset: Settings, wsrs_services: Services, fake_bpjs: RunningFake,
) -> None:
    # The checked-in booking's add and tasks are still owed (Khanza's sender sent nothing).
    await khanza_sql(
        wsrs_services,
        "UPDATE referensi_mobilejkn_bpjs SET statuskirim = 'Belum'"
        " WHERE nobooking = '20250115000002'",
        "DELETE FROM referensi_mobilejkn_bpjs_taskid WHERE no_rawat = '2025/01/15/000002'",
    )
    queue = await open_queue(wsrs_preset.redis_url)
    producer = Producer(khanza=wsrs_services.khanza, queue=queue, stores=wsrs_services.stores,
                        options=wsrs_services.options)
    try:
        report = await producer.cycle(today=DAY)
    finally:
        await queue.aclose()
    assert report.enqueued.get("bpjs_booking", 0) >= 2, report
    queued = {m.decode() for m in await wsrs_services.redis.zrange("simrs-bridge:queue", 0, -1)}
    assert {f"bpjs:booking:{WALK_IN}", f"bpjs:booking:{CHECKED_IN}"} <= queued
    for kode in (WALK_IN, CHECKED_IN):  # the jobs the producer queued, as the worker runs them
        await bpjs_booking({"services": wsrs_services, "job_try": 1, "job_id": "t"}, kode)

    walk_in = fake_bpjs.state.bookings[WALK_IN]
    assert walk_in.tasks[3].waktu == ms("08:15")  # mutasi_berkas.dikirim, not invented
    checked_in = fake_bpjs.state.bookings[CHECKED_IN]
    assert checked_in.tasks[3].waktu == ms("07:55")  # the check-in, not the file at 08:00


async def test_a_check_in_after_the_file_time_was_sent_does_not_move_bpjs_task_3(
    wsrs_services: Services, fake_bpjs: RunningFake, fake_sirs: RunningFakeSirs,
    state_pool: aiomysql.Pool,
) -> None:
    ctx: Callable[[], dict[str, Any]] = lambda: {  # noqa: E731
        "services": wsrs_services, "job_try": 1, "job_id": "test"}
    # Not checked in: the file sent at 09:05 is task 3 at both upstreams.
    await khanza_sql(
        wsrs_services,
        "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
        "INSERT INTO mutasi_berkas (no_rawat, status, dikirim, diterima, kembali, tidakada,"
        " ranap) VALUES ('2025/01/15/000003', 'Sudah Dikirim', '2025-01-15 09:05:00', NULL,"
        " NULL, NULL, '0000-00-00 00:00:00')",
    )
    await bpjs_booking(ctx(), NOT_CHECKED_IN)
    await sirs_antrian(ctx(), NOT_CHECKED_IN)
    booking = fake_bpjs.state.bookings[NOT_CHECKED_IN]
    assert booking.tasks[3].waktu == ms("09:05")
    assert fake_sirs.state.tasks[(NOT_CHECKED_IN, 3)]["waktu"] == ms("09:05")

    # The patient then checks in through the app: the chain now reads the check-in first.
    await khanza_sql(
        wsrs_services,
        "UPDATE referensi_mobilejkn_bpjs SET status = 'Checkin',"
        " validasi = '2025-01-15 09:10:00' WHERE nobooking = '20250115000003'",
    )
    await bpjs_booking(ctx(), NOT_CHECKED_IN)
    await sirs_antrian(ctx(), NOT_CHECKED_IN)
    assert booking.tasks[3].waktu == ms("09:05")  # BPJS keeps the first time sent
    assert fake_sirs.state.tasks[(NOT_CHECKED_IN, 3)]["waktu"] == ms("09:10")  # corrected
    report = await reconcile_day(wsrs_services, DAY)
    assert "task 3: BPJS holds 15-01-2025 09:05:00 WIB, Khanza has 2025-01-15 09:10:00" in (
        report.contradictions[NOT_CHECKED_IN])
    assert booking.tasks[3].waktu == ms("09:05")
