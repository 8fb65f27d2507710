"""End to end on real MariaDB and Redis, a real worker and the fake BPJS: what Mobile JKN
books, checks in and cancels through the WS RS reaches BPJS at once, with Khanza's times.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime

import aiomysql
import pytest
import redis.asyncio as aioredis

from core.settings import Settings
from core.state.deadletters import DeadLetters
from sandbox.fake_bpjs import RunningFake

from .conftest import WIB, Wsrs, add_patients, ambil, wsrs_settings, wsrs_with_worker


async def until(condition: object, timeout: float, what: str) -> float:
    """Seconds until ``condition()`` holds."""
    started = time.monotonic()
    while not condition():  # type: ignore[operator]
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
async def live(bridge_settings: Settings, state_pool: aiomysql.Pool,
               redis: aioredis.Redis) -> AsyncIterator[Wsrs]:
    settings = wsrs_settings(bridge_settings, wsrs_db_url=bridge_settings.khanza_db_url,
                             task_sources="wsrs")
    async with wsrs_with_worker(settings, state_pool) as service:
        yield service


def ms(local: datetime) -> int:
    return int(local.replace(tzinfo=WIB).timestamp() * 1000)


async def test_booking_checkin_and_cancellation_reach_bpjs(
    live: Wsrs, fake_bpjs: RunningFake, state_pool: aiomysql.Pool,
) -> None:
    await add_patients(live, 2)
    kode = (await live.post("ambilantrean", ambil(1)))["response"]["kodebooking"]
    took = await until(lambda: kode in fake_bpjs.state.bookings, 5, "antrean/add at BPJS")
    print(f"\nantrean/add accepted {took * 1000:.0f} ms after the booking")
    assert took < 1.0
    sent = fake_bpjs.state.bookings[kode].body
    assert (sent["jenispasien"], sent["angkaantrean"], sent["kodedokter"]) == ("JKN", 1, 99901)

    # Check-in on the visit day: task 1 for this new patient, with exactly that time.
    arrived = datetime(2025, 2, 5, 7, 41, 9)
    live.clock.now = datetime(2025, 2, 5, 7, 42, tzinfo=WIB)
    answer = await live.post("checkinantrean", {"kodebooking": kode, "waktu": ms(arrived)})
    assert answer["metadata"]["code"] == 200
    booking = fake_bpjs.state.bookings[kode]
    await until(lambda: 1 in booking.tasks, 5, "task 1 at BPJS")
    assert booking.tasks[1].waktu == ms(arrived)

    # A patient with an earlier visit: task 3 at check-in.
    live.clock.now = datetime(2025, 2, 4, 9, 0, tzinfo=WIB)
    await live.query("INSERT INTO reg_periksa SELECT '001', '2025/01/01/000099', '2025-01-01',"
                     " jam_reg, kd_dokter, '900002', kd_poli, p_jawab, almt_pj, hubunganpj,"
                     " biaya_reg, 'Sudah', stts_daftar, status_lanjut, kd_pj, umurdaftar,"
                     " sttsumur, status_bayar, status_poli FROM reg_periksa"
                     " WHERE no_rawat = '2025/01/15/000001'")
    second = (await live.post("ambilantrean", ambil(2)))["response"]
    assert second["pasienbaru"] == 0
    await until(lambda: second["kodebooking"] in fake_bpjs.state.bookings, 5, "second add")
    live.clock.now = datetime(2025, 2, 5, 7, 50, tzinfo=WIB)
    arrived = datetime(2025, 2, 5, 7, 49, 30)
    await live.post("checkinantrean", {"kodebooking": second["kodebooking"],
                                       "waktu": ms(arrived)})
    other = fake_bpjs.state.bookings[second["kodebooking"]]
    await until(lambda: 3 in other.tasks, 5, "task 3 at BPJS")
    assert other.tasks[3].waktu == ms(arrived) and 1 not in other.tasks

    # Cancellation on the visit day: antrean/batal, then task 99 at the cancellation time.
    await add_patients(live, 1, start=3)
    live.clock.now = datetime(2025, 2, 4, 11, 0, tzinfo=WIB)
    third = (await live.post("ambilantrean", ambil(3)))["response"]["kodebooking"]
    await until(lambda: third in fake_bpjs.state.bookings, 5, "third add")
    live.clock.now = datetime(2025, 2, 5, 7, 5, 17, tzinfo=WIB)
    answer = await live.post("batalantrean", {"kodebooking": third,
                                              "keterangan": "Berhalangan hadir"})
    assert answer["metadata"]["code"] == 200
    cancelled = fake_bpjs.state.bookings[third]
    await until(lambda: 99 in cancelled.tasks, 5, "task 99 at BPJS")
    assert cancelled.batal == "Berhalangan hadir"
    assert cancelled.tasks[99].waktu == ms(datetime(2025, 2, 5, 7, 5, 17))

    # Cancelled the day before the visit: antrean/batal alone. BPJS takes task times only
    # on the service date, and no task 99 time is invented for it (docs/wsrs.md).
    await add_patients(live, 1, start=4)
    live.clock.now = datetime(2025, 2, 4, 11, 30, tzinfo=WIB)
    fourth = (await live.post("ambilantrean", ambil(4)))["response"]["kodebooking"]
    await until(lambda: fourth in fake_bpjs.state.bookings, 5, "fourth add")
    live.clock.now = datetime(2025, 2, 4, 19, 45, tzinfo=WIB)
    answer = await live.post("batalantrean", {"kodebooking": fourth,
                                              "keterangan": "Ganti jadwal"})
    assert answer["metadata"]["code"] == 200
    early = fake_bpjs.state.bookings[fourth]
    await until(lambda: early.batal == "Ganti jadwal", 5, "antrean/batal at BPJS")
    await asyncio.sleep(1.0)  # the same job would have sent task 99 right after the batal
    assert early.tasks == {}
    # Not tried and refused either: a refused task 99 would be a dead letter for staff.
    assert [d.message for d in await DeadLetters(state_pool).open()
            if fourth in map(str, d.args)] == []
