"""The demo's Mobile JKN round end to end: the fake Mobile JKN drives a real WS RS, the real
worker sends on, and the fake BPJS holds the add, the check-in's task with exactly the
check-in time, and the cancellations (task 99 only for one made on the visit day).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime

import aiohttp
import aiomysql
import pytest
import redis.asyncio as aioredis

from core.settings import Settings
from sandbox.fake_bpjs import RunningFake
from sandbox.mobile_jkn import MobileJkn
from sandbox.mobile_jkn_day import play_round
from tests.wsrs.conftest import PASSWORD, USER, WIB, Wsrs, wsrs_settings, wsrs_with_worker
from wsrs.handlers import HANDLERS


async def until(condition: Callable[[], bool], what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        await asyncio.sleep(0.05)


@pytest.fixture
async def live(bridge_settings: Settings, state_pool: aiomysql.Pool,
               redis: aioredis.Redis) -> AsyncIterator[Wsrs]:
    """A WS RS on the test's Khanza copy, nudging a real worker that sends to the fake BPJS;
    the check-in opens the visit as the demo configures it (task 1 new, 3 returning)."""
    settings = wsrs_settings(bridge_settings, wsrs_db_url=bridge_settings.khanza_db_url,
                             task_sources="wsrs")
    async with wsrs_with_worker(settings, state_pool) as service:
        yield service


def ms(local: datetime) -> int:
    return int(local.timestamp() * 1000)


async def test_a_round_reaches_bpjs_with_the_check_in_time(
    live: Wsrs, fake_bpjs: RunningFake,
) -> None:
    live.clock.now = datetime(2025, 2, 5, 10, 20, 31, tzinfo=WIB)  # a Wednesday morning
    held = fake_bpjs.state.bookings
    async with aiohttp.ClientSession() as session:
        jkn = MobileJkn(session, str(live.client.make_url("/wsrs")), USER, PASSWORD)
        played = await play_round(jkn, live.db_url, 1, live.clock)

    assert played.skipped == []
    # Every endpoint was called at least once (the dashboard's WS RS card shows each).
    assert set(jkn.calls) == set(HANDLERS)
    today, tomorrow = date(2025, 2, 5), date(2025, 2, 6)
    assert sorted(played.booked.values()) == [today] * 4 + [tomorrow]
    await until(lambda: set(played.booked) <= set(held), "every antrean/add")

    # The new participant went 202 -> pasienbaru -> booked, and checked in: task 1.
    # Three new participants: one checking in, the fixture's two returning patients being
    # busy, one standing in for today's cancellation, and tomorrow's.
    assert jkn.calls["pasienbaru"] == 3
    [new] = [k for k in played.checked_in if k in played.new_patients]
    returning = [k for k in played.checked_in if k not in played.new_patients]
    assert len(returning) == 2
    arrived = ms(datetime(2025, 2, 5, 10, 20, 31, tzinfo=WIB))
    assert set(played.checked_in.values()) == {arrived}
    await until(lambda: 1 in held[new].tasks, "task 1 of the new patient")
    assert held[new].tasks[1].waktu == arrived
    for kode in returning:
        await until(lambda kode=kode: 3 in held[kode].tasks, "task 3 of a returning patient")
        assert held[kode].tasks[3].waktu == arrived and 1 not in held[kode].tasks
        assert held[kode].body["pasienbaru"] == 0

    # Cancelled today: antrean/batal + task 99 at that time; tomorrow's: antrean/batal alone.
    [same_day] = [k for k, day in played.cancelled.items() if day == today]
    [day_before] = [k for k, day in played.cancelled.items() if day == tomorrow]
    await until(lambda: 99 in held[same_day].tasks, "task 99 of the same-day cancellation")
    assert held[same_day].batal == "Berhalangan hadir (demo)"
    assert held[same_day].tasks[99].waktu == arrived
    await until(lambda: held[day_before].batal is not None, "batal of tomorrow's booking")
    assert held[day_before].tasks == {}


async def test_late_at_night_the_same_day_steps_are_skipped_not_shifted(
    live: Wsrs, fake_bpjs: RunningFake,
) -> None:
    live.clock.now = datetime(2025, 2, 5, 23, 10, tzinfo=WIB)
    async with aiohttp.ClientSession() as session:
        jkn = MobileJkn(session, str(live.client.make_url("/wsrs")), USER, PASSWORD)
        played = await play_round(jkn, live.db_url, 2, live.clock)
    [reason] = played.skipped
    assert "no practice can start later today (23:10" in reason
    assert set(played.booked.values()) == {date(2025, 2, 6)}
    assert played.checked_in == {}
    assert set(jkn.calls) == set(HANDLERS) - {"checkinantrean"}
    await until(lambda: set(played.booked) <= set(fake_bpjs.state.bookings), "the adds")
