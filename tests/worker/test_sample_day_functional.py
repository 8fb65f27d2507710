"""The sample Khanza day end to end: producer → Redis → worker → the two fakes.

The fake BPJS starts with what the scenario says BPJS already has (what
Khanza's old sender recorded as sent), so the calls that reach it are exactly
the pending work of the sample day, with epoch milliseconds computed in the
hospital's zone.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import aiomysql

from core.settings import Settings
from producers.loop import open_producer
from sandbox.fake_bpjs import RunningFake
from sandbox.fake_sirs import RunningFakeSirs
from sandbox.sample_day import preload_what_bpjs_already_has
from worker.main import build_worker

DAY = date(2025, 1, 15)
WIB = ZoneInfo("Asia/Jakarta")


def ms(hhmm: str) -> int:
    hour, minute = map(int, hhmm.split(":"))
    return int(datetime(2025, 1, 15, hour, minute, tzinfo=WIB).timestamp() * 1000)


async def run_cycle_and_worker(settings: Settings) -> dict[str, int]:
    async with open_producer(settings) as producer:
        report = await producer.cycle(today=DAY)
        worker = build_worker(settings, burst=True)
        await worker.async_run()
        await worker.close()
        assert worker.jobs_failed == 0
        again = await producer.cycle(today=DAY)
        assert again.enqueued == {}, "a second cycle after the run must find nothing to do"
        return report.enqueued


async def test_sample_day_reaches_both_upstreams(
    bridge_settings: Settings, fake_bpjs: RunningFake, fake_sirs: RunningFakeSirs,
    redis: object,  # flushed: every test starts with an empty queue
) -> None:
    await preload_what_bpjs_already_has(bridge_settings, fake_bpjs.state)
    calls_before = {b: len(v.tasks) for b, v in fake_bpjs.state.bookings.items()}
    assert calls_before == {"20250115000001": 5, "20250115000002": 1, "20250115000004": 0}

    enqueued = await run_cycle_and_worker(bridge_settings)
    # BPJS: 2 (tasks 4, 5, farmasi), 3 (add), 4 (batal + 99), walk-in (add + tasks), and 1
    # only for its farmasi/add, which Khanza never records. RS Online: all five visits.
    assert enqueued == {"bpjs_booking": 5, "sirs_antrian": 5}

    bookings = fake_bpjs.state.bookings
    assert set(bookings) == {"20250115000001", "20250115000002", "20250115000003",
                             "20250115000004", "2025/01/15/000005"}
    tasks = {kode: {t.taskid: t.waktu for t in b.tasks.values()} for kode, b in bookings.items()}
    assert tasks["20250115000002"] == {3: ms("08:00"), 4: ms("08:30"), 5: ms("08:35")}
    assert bookings["20250115000002"].tasks[5].jenisresep == "Non Racikan"
    assert bookings["20250115000002"].farmasi == {
        "kodebooking": "20250115000002", "jenisresep": "Non Racikan", "nomorantrean": 2,
        "keterangan": "Resep dibuat secara elektronik di poli"}
    assert tasks["20250115000003"] == {}
    assert bookings["20250115000003"].body["jenispasien"] == "JKN"
    assert bookings["20250115000004"].batal == "Dibatalkan pasien melalui Mobile JKN (data contoh)"
    assert tasks["20250115000004"] == {99: ms("08:15")}
    walk_in = bookings["2025/01/15/000005"]
    assert walk_in.body["jenispasien"] == "NON JKN"
    assert walk_in.body["estimasidilayani"] == 1736903700000
    assert tasks["2025/01/15/000005"] == {3: ms("08:15"), 4: ms("08:20"), 5: ms("08:45")}
    assert tasks["20250115000001"] == {3: ms("07:50"), 4: ms("08:05"), 5: ms("08:10"),
                                       6: ms("08:40"), 7: ms("08:55")}

    sirs = fake_sirs.state
    assert set(sirs.antrian) == set(bookings)
    sirs_tasks: dict[str, dict[int, int]] = {}
    for (kode, taskid), row in sirs.tasks.items():
        sirs_tasks.setdefault(kode, {})[taskid] = int(row["waktu"])
    assert sirs_tasks == {
        "20250115000001": {3: ms("07:50"), 4: ms("08:05"), 5: ms("08:10"), 6: ms("08:40"),
                           7: ms("08:55")},
        "20250115000002": {3: ms("08:00"), 4: ms("08:30"), 5: ms("08:35")},
        "20250115000004": {99: ms("08:15")},
        "2025/01/15/000005": {3: ms("08:15"), 4: ms("08:20"), 5: ms("08:45")},
    }


async def test_every_call_is_audited_without_identifiers(
    bridge_settings: Settings, fake_bpjs: RunningFake, fake_sirs: RunningFakeSirs,
    redis: object,  # flushed: every test starts with an empty queue
) -> None:
    await preload_what_bpjs_already_has(bridge_settings, fake_bpjs.state)
    await run_cycle_and_worker(bridge_settings)
    state = await aiomysql.connect(
        host=bridge_settings.state_db_url.host, port=bridge_settings.state_db_url.port,
        user=bridge_settings.state_db_url.user, db=bridge_settings.state_db_url.database)
    try:
        async with state.cursor() as cursor:
            await cursor.execute("SELECT upstream, path, outcome, request_body FROM audit")
            rows = await cursor.fetchall()
    finally:
        state.close()
    assert {(u, o) for u, _, o, _ in rows} <= {("bpjs", "done"), ("sirs", "done")}
    # 000002: tasks 4, 5 and farmasi; 000003: add; 000004: batal and 99; walk-in: add and
    # tasks 3-5; 000001: farmasi.
    assert sum(1 for u, *_ in rows if u == "bpjs") == 11
    for *_, body in rows:
        assert "0000000000000001" not in (body or "")  # the sample NIK of patient 000001
