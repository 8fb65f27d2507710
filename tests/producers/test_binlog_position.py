"""The binlog feed's position: restart, purge, FLUSH LOGS, server restart, the daemon.

A restart must resume where the last acted-on change left off, neither losing a
change committed while the producer was down nor sending one twice; a position
the server no longer has falls back to a full cycle; rotation and a server
restart mid-stream are followed through.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import aiomysql
import pytest
import redis.asyncio as aioredis

from core import db
from core.keys import CHANGES_STATUS, PRODUCER_STATUS
from core.khanza.bookings import no_rawat_range
from core.settings import DatabaseUrl, Settings
from core.state.binlog import BinlogPositions
from producers.changes import Change, ChangeFeed
from producers.loop import open_producer
from sandbox.fake_bpjs import RunningFake
from sandbox.faults import RECORDER_KEY
from sandbox.generate import add_visits
from sandbox.services import MariaDBServer
from tests.conftest import load_khanza
from worker.main import build_worker

from .conftest import SERVER_ID, Running, execute, until


def local_now(settings: Settings) -> datetime:
    return datetime.now(settings.zone).replace(tzinfo=None, microsecond=0)


async def send_file(settings: Settings, no_rawat: str) -> None:
    """The records room sends the medical-record file: task 3 under the default sources."""
    connection = await db.connect(settings.khanza_db_url, setting="khanza")
    try:
        await execute(connection, (
            "INSERT INTO mutasi_berkas (no_rawat, status, dikirim, diterima, kembali, tidakada, "
            "ranap) VALUES (%s, 'Sudah Dikirim', %s, NULL, NULL, NULL, '0000-00-00 00:00:00')",
            (no_rawat, local_now(settings))))
    finally:
        connection.close()


def covers(stored: str | None, position: str) -> bool:
    """Whether GTID state ``stored`` is at or past ``position`` in every domain."""
    if not stored:
        return False
    have = {g.split("-")[0]: int(g.split("-")[2]) for g in stored.split(",")}
    return all(have.get(g.split("-")[0], -1) >= int(g.split("-")[2])
               for g in position.split(","))


async def run_daemon_side(settings: Settings, until_done: Callable[[ChangeFeed], bool]
                          ) -> ChangeFeed:
    """The producer with a binlog feed, as the daemon wires it, until ``until_done``."""
    async with open_producer(settings) as producer:
        nudges, stop = asyncio.Event(), asyncio.Event()
        feed = ChangeFeed(url=settings.khanza_db_url, server_id=SERVER_ID,
                          positions=producer.stores.binlog, redis=producer.queue,
                          nudge=nudges, heartbeat=0.5)
        tasks = [asyncio.ensure_future(producer.run(120, nudges, stop, watcher=feed)),
                 asyncio.ensure_future(feed.run(stop))]
        try:
            await until("feed connected", lambda: feed.connected)
            await until("done", lambda: until_done(feed), timeout=30)
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks), 30)
    return feed


async def test_a_restart_resumes_at_the_stored_position_losing_and_repeating_nothing(
    bridge_settings: Settings, fake_bpjs: RunningFake, redis: aioredis.Redis,
) -> None:
    today = local_now(bridge_settings).date()
    connection = await db.connect(bridge_settings.khanza_db_url, setting="khanza")
    try:
        keys = await add_visits(connection, today, 2, kind="onsite")
        lo, hi = no_rawat_range(today, today)
        await execute(connection, ("DELETE FROM mutasi_berkas WHERE no_rawat >= %s "
                                   "AND no_rawat < %s", (lo, hi)))
    finally:
        connection.close()
    first, second = (f"{lo}{n:06d}" for n in (1, 2))

    async def commit_first() -> None:
        await send_file(bridge_settings, first)

    sent = asyncio.Event()
    background: list[asyncio.Future[None]] = []

    def acted_on(change: Change) -> Callable[[ChangeFeed], bool]:
        """The change arrived, and a cycle after it finished: its position is stored."""
        arrived: list[str] = []

        def check(feed: ChangeFeed) -> bool:
            if not arrived and change in feed.recent and feed.last_nudge:
                arrived.append(feed.last_nudge)
            return bool(arrived) and covers(feed.stored, arrived[0])
        return check

    def first_done(feed: ChangeFeed) -> bool:
        if feed.connected and not sent.is_set():
            sent.set()
            background.append(asyncio.ensure_future(commit_first()))
        return check_first(feed)

    check_first = acted_on(Change("mutasi_berkas", "visit", first))
    feed = await run_daemon_side(bridge_settings, first_done)
    stored_after_first = feed.stored
    await send_file(bridge_settings, second)  # committed while the producer is down
    again = await run_daemon_side(bridge_settings,
                                  acted_on(Change("mutasi_berkas", "visit", second)))
    assert again.fallbacks == 0
    # Resumed after the first change: it is not delivered again; the second is not lost.
    assert list(again.recent) == [Change("mutasi_berkas", "visit", second)]
    assert again.stored != stored_after_first

    worker = build_worker(bridge_settings, burst=True)
    await worker.async_run()
    await worker.close()
    assert worker.jobs_failed == 0
    for kode in keys:
        tasks = fake_bpjs.state.bookings[kode].tasks
        assert 3 in tasks, kode
    updates = [r for r in fake_bpjs.app[RECORDER_KEY].requests if "updatewaktu" in r.path]
    assert len(updates) == 2  # task 3 of each visit, once


@pytest.mark.parametrize("stored", ["0-1-999999999", "not a position"])
async def test_a_position_the_server_cannot_resume_from_falls_back_to_a_full_cycle(
    feed_factory: Callable[[], Awaitable[Running]], khanza: aiomysql.Connection,
    state_pool: aiomysql.Pool, redis: aioredis.Redis, stored: str,
) -> None:
    await BinlogPositions(state_pool).save("khanza", stored)
    running = await feed_factory()
    feed = running.feed
    assert feed.fallbacks == 1 and feed.nudge.is_set()  # the full cycle
    assert feed.last_fallback is not None and feed.last_fallback["requested"] == stored
    await until("status published", lambda: feed._dirty is False)
    status = json.loads(await redis.get(CHANGES_STATUS))
    assert status["fallbacks"] == 1 and status["last_fallback"]["reason"]
    await execute(khanza, "UPDATE kamar SET status = 'ISI' WHERE kd_kamar = 'MWR.02'")
    await until("a change after the fallback", lambda: len(feed.recent) == 1)


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBServer]:
    """A server of this module's own, to restart without disturbing the others' tests."""
    server = MariaDBServer(tmp_path_factory.mktemp("binlog") / "mariadb", server_id=7).start()
    load_khanza(server, "sik_binlog")
    yield server
    server.stop()


async def test_flush_logs_and_a_server_restart_mid_stream_are_survived(
    own_server: MariaDBServer, state_pool: aiomysql.Pool, redis: aioredis.Redis,
) -> None:
    url = DatabaseUrl.parse(own_server.url("sik_binlog"))
    feed = ChangeFeed(url=url, server_id=SERVER_ID, positions=BinlogPositions(state_pool),
                      redis=redis, nudge=asyncio.Event(), heartbeat=0.5)
    running = Running(feed)
    try:
        await until("feed connected", lambda: feed.connected)

        beds = {
            "MWR.01": "UPDATE kamar SET status = 'ISI' WHERE kd_kamar = 'MWR.01'",
            "MLT.01": "UPDATE kamar SET status = 'KOSONG' WHERE kd_kamar = 'MLT.01'",
            "MWR.02": "UPDATE kamar SET status = 'ISI' WHERE kd_kamar = 'MWR.02'",
        }
        own_server.sql(beds["MWR.01"], "sik_binlog")
        await until("first change", lambda: len(feed.recent) == 1)
        own_server.sql("FLUSH LOGS")
        own_server.sql(beds["MLT.01"], "sik_binlog")
        await until("change after FLUSH LOGS", lambda: len(feed.recent) == 2)
        own_server.stop()
        await until("the loss noticed", lambda: not feed.connected)
        own_server.start()
        own_server.sql(beds["MWR.02"], "sik_binlog")
        await until("change after the restart", lambda: len(feed.recent) == 3, timeout=60)
        assert feed.connected and feed.fallbacks == 0
        # Each once, in order: nothing lost, nothing replayed by the reconnects.
        assert [c.key for c in feed.recent] == ["MWR", "MLT", "MWR"]
        assert feed.nudges == 3
    finally:
        await running.close()



async def test_the_producer_daemon_in_binlog_mode_follows_and_stops_cleanly(
    bridge_env: dict[str, str], bridge_settings: Settings, redis: aioredis.Redis,
    tmp_path: Path,
) -> None:
    env = bridge_env | {"SIMRS_BRIDGE_CHANGES": "binlog",
                        "SIMRS_BRIDGE_CHANGES_SAFETY_INTERVAL": "300"}
    log = tmp_path / "producer.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "producer"], env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        async def status() -> dict[str, Any]:
            raw = await redis.get(CHANGES_STATUS)
            return json.loads(raw) if raw else {}

        deadline = time.monotonic() + 30
        while not (await status()).get("connected"):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            await asyncio.sleep(0.1)
        async def last_cycle() -> float:
            raw = await redis.get(PRODUCER_STATUS)
            return float(json.loads(raw)["last_cycle"]) if raw else 0.0

        while not await last_cycle():  # the cycle every producer starts with
            assert time.monotonic() < deadline, log.read_text()
            await asyncio.sleep(0.1)
        connection = await db.connect(bridge_settings.khanza_db_url, setting="khanza")
        try:
            await execute(connection, "UPDATE mutasi_berkas SET diterima = '2025-01-15 08:06:00'"
                                      " WHERE no_rawat = '2025/01/15/000001'")
            committed = time.time()
        finally:
            connection.close()
        while (await status()).get("nudging") != {"mutasi_berkas": 1}:
            assert time.monotonic() < deadline + 15, log.read_text()
            await asyncio.sleep(0.1)
        # The nudge started a cycle at once, not after the 300 s safety interval.
        while await last_cycle() < committed:
            assert time.monotonic() < deadline + 15, log.read_text()
            await asyncio.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0, log.read_text()
        final = await status()
        assert final["source"] == "binlog" and final["connected"] is False
        assert "*************0001" in log.read_text()  # the visit, masked
        assert "2025/01/15/000001" not in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
