"""Write-back through the booking job: Khanza is marked only after BPJS accepted the step."""

from __future__ import annotations

from datetime import datetime

import redis.asyncio as aioredis

from core.settings import Settings
from producers.loop import open_producer
from sandbox.fake_bpjs import RunningFake
from sandbox.fake_sirs import RunningFakeSirs
from sandbox.sample_day import DAY, preload_what_bpjs_already_has
from sandbox.services import MariaDBServer
from worker.main import build_worker

BOOKING, NO_RAWAT = "20250115000003", "2025/01/15/000003"
REFERRAL = ("UPDATE referensi_mobilejkn_bpjs SET nomorreferensi = '{}'"  # noqa: S608 - constants
            " WHERE nobooking = '" + BOOKING + "'")


async def sync(settings: Settings) -> None:
    async with open_producer(settings) as producer:
        await producer.cycle(today=DAY)
    worker = build_worker(settings, burst=True)
    await worker.async_run()
    await worker.close()


def status(server: MariaDBServer, database: str, nobooking: str) -> str:
    return server.sql("SELECT statuskirim FROM referensi_mobilejkn_bpjs"  # noqa: S608
                      f" WHERE nobooking = '{nobooking}'", database).split()[-1]


def task_rows(server: MariaDBServer, database: str, no_rawat: str) -> dict[int, datetime]:
    text = server.sql("SELECT taskid, waktu FROM referensi_mobilejkn_bpjs_taskid"  # noqa: S608
                      f" WHERE no_rawat = '{no_rawat}'", database)
    rows = (line.split("\t") for line in text.splitlines()[1:])
    return {int(taskid): datetime.fromisoformat(waktu) for taskid, waktu in rows}


async def test_khanza_is_marked_only_after_bpjs_accepted(
    bridge_settings: Settings, fake_bpjs: RunningFake, fake_sirs: RunningFakeSirs,
    mariadb_server: MariaDBServer, fresh_khanza_db: str, redis: aioredis.Redis,
) -> None:
    settings = bridge_settings.model_copy(update={"khanza_writeback": True})
    await preload_what_bpjs_already_has(settings, fake_bpjs.state)
    khanza_had = task_rows(mariadb_server, fresh_khanza_db, "2025/01/15/000002")
    # BPJS refuses the referral "-" for good: nothing may be marked as sent.
    mariadb_server.sql(REFERRAL.format("-"), fresh_khanza_db)
    await sync(settings)
    assert BOOKING not in fake_bpjs.state.bookings
    assert status(mariadb_server, fresh_khanza_db, BOOKING) == "Belum"
    assert task_rows(mariadb_server, fresh_khanza_db, NO_RAWAT) == {}

    # Booking 2's tasks after task 3 went to BPJS: each is recorded in Khanza's own ledger
    # with the time that was sent; the row Khanza already had is kept.
    accepted = fake_bpjs.state.bookings["20250115000002"].tasks
    now_has = task_rows(mariadb_server, fresh_khanza_db, "2025/01/15/000002")
    added = {t: w for t, w in now_has.items() if t not in khanza_had}
    assert added, "the sample day has later tasks for booking 2"
    assert {t: now_has[t] for t in khanza_had} == khanza_had
    for taskid, waktu in added.items():
        assert int(waktu.replace(tzinfo=settings.zone).timestamp() * 1000) == (
            accepted[taskid].waktu)

    # Staff correct the referral; the next cycle sends it, and now Khanza shows it sent.
    mariadb_server.sql(REFERRAL.format("0000R0010125K000003"), fresh_khanza_db)
    await sync(settings)
    assert BOOKING in fake_bpjs.state.bookings
    assert status(mariadb_server, fresh_khanza_db, BOOKING) == "Sudah"
