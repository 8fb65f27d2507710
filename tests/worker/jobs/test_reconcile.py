"""The read-back reconcile end to end: real MariaDB and Redis, the fake BPJS seeded with a
partial history of the sample day (2025-01-15).

What BPJS holds before the run (seeded, no rules checked):

* 20250115000001: the booking and tasks 3-4; Khanza's own ledger marks tasks 3-7 sent,
  so 5, 6 and 7 were marked ``Sudah`` without ever arriving;
* 20250115000002: the booking and task 3 at 07:55, while Khanza has 08:00 (a contradiction);
* 20250115000004: the booking only (its cancellation was never sent);
* 20250115009999: a booking Khanza does not have (a contradiction);
* nothing of 20250115000003 (add not sent) and of the walk-in 2025/01/15/000005.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis
from arq.constants import job_key_prefix

from core.keys import QUEUE_NAME, reconcile_status_key
from core.khanza.bookings import load_window
from core.settings import Settings
from sandbox.fake_bpjs import RunningFake
from sandbox.faults import RECORDER_KEY
from worker.jobs.reconcile import bpjs_reconcile, reconcile_day
from worker.services import Services, open_services

DAY = date(2025, 1, 15)
WIB = ZoneInfo("Asia/Jakarta")


def ms(hhmm: str) -> int:
    hour, minute = map(int, hhmm.split(":"))
    return int(datetime(2025, 1, 15, hour, minute, tzinfo=WIB).timestamp() * 1000)


async def seed_partial_history(services: Services, fake: RunningFake) -> None:
    async with services.khanza.acquire() as connection:
        snapshots = {s.kodebooking: s for s in await load_window(connection, DAY, DAY,
                                                                   services.options)}
    state = fake.state
    one = snapshots["20250115000001"]
    assert one.add is not None and {"task3", "task7"} <= one.recorded
    state.seed(one.add.model_dump(mode="json"), {3: ms("07:50"), 4: ms("08:05")})
    two = snapshots["20250115000002"]
    assert two.add is not None
    state.seed(two.add.model_dump(mode="json"), {3: ms("07:55")})  # Khanza: 08:00
    four = snapshots["20250115000004"]
    assert four.add is not None
    state.seed(four.add.model_dump(mode="json"))
    stranger = dict(one.add.model_dump(mode="json"), kodebooking="20250115009999")
    state.seed(stranger)


def calls(fake: RunningFake) -> Counter[str]:
    return Counter(r.path.rsplit("/antreanrs/", 1)[-1] for r in fake.app[RECORDER_KEY].requests
                   if not r.path.startswith("/_fake/"))


def held(fake: RunningFake) -> dict[str, dict[int, int]]:
    return {kode: {t.taskid: t.waktu for t in b.tasks.values()}
            for kode, b in fake.state.bookings.items()}


async def ledger_rows(services: Services) -> dict[tuple[str, str], tuple[Any, ...]]:
    async with services.state.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("SELECT kodebooking, step, wakturs, confirmed_at, done_at"
                             " FROM ledger WHERE upstream = 'bpjs'")
        return {(r[0], r[1]): r[2:] for r in await cursor.fetchall()}


async def test_one_reconcile_closes_the_gaps_and_a_second_reads_only_the_unconfirmed(
    services: Services, fake_bpjs: RunningFake, ctx: Callable[..., dict[str, Any]],
) -> None:
    await seed_partial_history(services, fake_bpjs)
    before = {k: dict(v) for k, v in held(fake_bpjs).items()}
    seeded_received = {(k, t.taskid): t.received for k, b in fake_bpjs.state.bookings.items()
                       for t in b.tasks.values()}

    summary = await bpjs_reconcile(ctx(), DAY.isoformat())
    first = json.loads(await services.redis.get(reconcile_status_key(DAY)))

    # Every missing task arrived, with Khanza's exact times; what BPJS held is untouched.
    after = held(fake_bpjs)
    assert after["20250115000001"] == {3: ms("07:50"), 4: ms("08:05"), 5: ms("08:10"),
                                       6: ms("08:40"), 7: ms("08:55")}
    assert after["20250115000002"] == before["20250115000002"] == {3: ms("07:55")}
    assert after["20250115000004"] == {99: ms("08:15")}
    assert fake_bpjs.state.bookings["20250115000004"].batal is not None
    assert after["2025/01/15/000005"] == {3: ms("08:15"), 4: ms("08:20"), 5: ms("08:45")}
    assert after["20250115000003"] == {}  # added; Khanza has no task time for it yet
    assert after["20250115009999"] == {}
    for (kode, taskid), received in seeded_received.items():
        assert fake_bpjs.state.bookings[kode].tasks[taskid].received == received

    # Nothing BPJS held was sent again (no 208s): exactly the missing steps went out.
    assert first["resent"] == {
        "20250115000001": ["task5", "task6", "task7"],
        "20250115000003": ["add"],
        "20250115000004": ["batal", "task99"],
        "2025/01/15/000005": ["add", "task3", "task4", "task5"],
    }
    first_calls = calls(fake_bpjs)
    assert first_calls == {"antrean/pendaftaran/tanggal/2025-01-15": 1,
                           "antrean/getlisttask": 7, "antrean/add": 2,
                           "antrean/updatewaktu": 7, "antrean/batal": 1}
    # Calls per booking: a read, the re-sends, one read to confirm them.
    assert first["calls"] == {
        "20250115000001": {"getlisttask": 2, "sent": 3},
        "20250115000002": {"getlisttask": 1},
        "20250115000003": {"getlisttask": 1, "sent": 1},
        "20250115000004": {"getlisttask": 2, "sent": 2},
        "2025/01/15/000005": {"getlisttask": 1, "sent": 4},
    }
    # The two contradictions are reported, not changed.
    assert set(first["contradictions"]) == {"20250115000002"}
    assert "task 3: BPJS holds 15-01-2025 07:55:00 WIB, Khanza has 2025-01-15 08:00:00" in (
        first["contradictions"]["20250115000002"])
    assert set(first["not_in_khanza"]) == {"20250115009999"}
    assert set(first["confirmed"]) == {"20250115000001", "20250115000003",
                                       "20250115000004", "2025/01/15/000005"}
    assert "4 confirmed now" in summary and "2 contradiction(s)" in summary

    # BPJS's receive time per task is in the ledger, and the chain is confirmed.
    rows = await ledger_rows(services)
    for taskid in (3, 4, 5, 6, 7):
        wakturs, confirmed_at, done_at = rows[("20250115000001", f"task{taskid}")]
        assert wakturs and wakturs.endswith(" WIB") and confirmed_at and done_at
    assert ("20250115000002", "task3") not in rows  # contradicted: nothing confirmed

    # A second reconcile reads only the unconfirmed booking and sends nothing.
    fake_bpjs.app[RECORDER_KEY].requests.clear()
    second = await reconcile_day(services, DAY)
    assert calls(fake_bpjs) == {"antrean/pendaftaran/tanggal/2025-01-15": 1,
                                "antrean/getlisttask": 1}
    assert second.calls == {"20250115000002": {"getlisttask": 1}}
    assert second.skipped_confirmed == 4 and second.resent == {}
    assert set(second.contradictions) == {"20250115000002"}


async def test_it_stays_behind_live_sends(
    bridge_settings: Settings, fake_bpjs: RunningFake, redis: aioredis.Redis,
) -> None:
    """A live job due and not yet running (the worker is saturated): no BPJS call at all."""
    settings = bridge_settings.model_copy(update={"reconcile_yield_max": 0.5})
    services = await open_services(settings)
    try:
        await redis.zadd(QUEUE_NAME, {"bpjs:booking:20250115000003": 1})
        await redis.set(job_key_prefix + "bpjs:booking:20250115000003", b"{}")
        report = await reconcile_day(services, DAY)
    finally:
        await services.close()
    assert calls(fake_bpjs) == {}
    assert report.stopped is not None and "live sends" in report.stopped
    assert report.waited >= 0.5


@pytest.mark.parametrize("text", ["", "yesterday", "15-01-2025"])
def test_bpjs_time_text_is_parsed_or_refused(text: str) -> None:
    from core.reconcile import bpjs_time_ms
    assert bpjs_time_ms(text, WIB) is None
    assert bpjs_time_ms("15-01-2025 08:00:00 WIB", WIB) == ms("08:00")


async def test_readback_rows_say_why(services: Services, fake_bpjs: RunningFake) -> None:
    await seed_partial_history(services, fake_bpjs)
    await reconcile_day(services, DAY)
    rows = await services.stores.readbacks.for_day("bpjs", DAY)
    assert {k: r.state for k, r in rows.items()} == {
        "20250115000001": "confirmed", "20250115000002": "contradiction",
        "20250115000003": "confirmed", "20250115000004": "confirmed",
        "2025/01/15/000005": "confirmed", "20250115009999": "not_in_khanza"}
    assert rows["20250115000001"].confirmed_at is not None
    assert rows["20250115009999"].reason and "Khanza does not have" in (
        rows["20250115009999"].reason)
