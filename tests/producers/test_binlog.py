"""The binlog change feed against the private MariaDB, which runs with the binlog on.

Rows are changed with ordinary committed statements, exactly as Khanza's forms
change them; the tests look at what the feed turned them into (the nudge, the
changes it recorded, the status document in Redis, the stored position) and,
end to end, at what the fake BPJS received.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import aiomysql
import pytest
import redis.asyncio as aioredis

from core import db
from core.keys import CHANGES_STATUS, PRODUCER_STATUS
from core.khanza.bookings import no_rawat_range
from core.khanza.queries import ALL_QUERIES
from core.settings import DatabaseUrl, Settings
from core.state.binlog import BinlogPositions
from producers.changes import WATCHED, Change, ChangeFeed, changes_in_rows
from producers.loop import open_producer
from sandbox.fake_bpjs import RunningFake
from sandbox.faults import RECORDER_KEY
from sandbox.generate import add_visits
from sandbox.services import MariaDBServer
from tests.conftest import load_khanza
from worker.main import build_worker

SERVER_ID = 4150


async def until(what: str, check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(0.02)


class Running:
    """A feed running in the background until ``stop``."""

    def __init__(self, feed: ChangeFeed) -> None:
        self.feed = feed
        self.stop = asyncio.Event()
        self.task = asyncio.ensure_future(feed.run(self.stop))

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 30)


@pytest.fixture
async def khanza(mariadb_server: MariaDBServer, fresh_khanza_db: str
                 ) -> AsyncIterator[aiomysql.Connection]:
    connection = await db.connect(DatabaseUrl.parse(mariadb_server.url(fresh_khanza_db)),
                                  setting="khanza")
    yield connection
    connection.close()


Statement = str | tuple[str, tuple[object, ...]]


async def execute(connection: aiomysql.Connection, *statements: Statement) -> None:
    async with connection.cursor() as cursor:
        for statement in statements:
            sql, params = (statement, ()) if isinstance(statement, str) else statement
            await cursor.execute(sql, params)


@pytest.fixture
async def feed_factory(
    mariadb_server: MariaDBServer, fresh_khanza_db: str, state_pool: aiomysql.Pool,
    redis: aioredis.Redis,
) -> AsyncIterator[Callable[[], Awaitable[Running]]]:
    started: list[Running] = []

    async def start() -> Running:
        feed = ChangeFeed(url=DatabaseUrl.parse(mariadb_server.url(fresh_khanza_db)),
                          server_id=SERVER_ID, positions=BinlogPositions(state_pool),
                          redis=redis, nudge=asyncio.Event(), heartbeat=0.5)
        running = Running(feed)
        started.append(running)
        await until("feed connected", lambda: feed.connected)
        return running

    yield start
    for running in started:
        await running.close()


# (statements, the change each must become), one per table the producer reads.
EACH_TABLE: list[tuple[tuple[str, ...], Change]] = [
    (("UPDATE reg_periksa SET stts = 'Sudah' WHERE no_rawat = '2025/01/15/000002'",),
     Change("reg_periksa", "visit", "2025/01/15/000002")),
    (("UPDATE referensi_mobilejkn_bpjs SET status = 'Checkin', validasi = "
      "'2025-01-15 09:01:00' WHERE nobooking = '20250115000003'",),
     Change("referensi_mobilejkn_bpjs", "booking", "20250115000003")),
    (("UPDATE referensi_mobilejkn_bpjs_batal SET statuskirim = 'Sudah' "
      "WHERE nobooking = '20250115000004'",),
     Change("referensi_mobilejkn_bpjs_batal", "booking", "20250115000004")),
    (("INSERT INTO referensi_mobilejkn_bpjs_taskid (no_rawat, taskid, waktu) "
      "VALUES ('2025/01/15/000002', '4', '2025-01-15 08:30:00')",),
     Change("referensi_mobilejkn_bpjs_taskid", "visit", "2025/01/15/000002")),
    (("UPDATE mutasi_berkas SET diterima = '2025-01-15 08:31:00' "
      "WHERE no_rawat = '2025/01/15/000001'",),
     Change("mutasi_berkas", "visit", "2025/01/15/000001")),
    (("DELETE FROM pemeriksaan_ralan WHERE no_rawat = '2025/01/15/000005'",),
     Change("pemeriksaan_ralan", "visit", "2025/01/15/000005")),
    (("UPDATE resep_obat SET tgl_penyerahan = '2025-01-15', jam_penyerahan = '09:30:00' "
      "WHERE no_resep = '202501150002'",),
     Change("resep_obat", "visit", "2025/01/15/000002")),
    (("UPDATE pasien SET no_tlp = '081100000003' WHERE no_rkm_medis = '000003'",),
     Change("pasien", "patient", "000003")),
    (("UPDATE maping_poli_bpjs SET nm_poli_bpjs = 'ANAK (POLI)' WHERE kd_poli_rs = 'ANA'",),
     Change("maping_poli_bpjs", "reference", "ANA")),
    (("UPDATE maping_dokter_dpjpvclaim SET nm_dokter_bpjs = 'dr. DUA' "
      "WHERE kd_dokter = 'D002'",),
     Change("maping_dokter_dpjpvclaim", "reference", "D002")),
    (("UPDATE jadwal SET kuota = 31 WHERE kd_dokter = 'D001'",),
     Change("jadwal", "reference", "D001")),
    (("CREATE TEMPORARY TABLE dokter_baru AS SELECT * FROM dokter WHERE kd_dokter = 'D001'",
      "UPDATE dokter_baru SET kd_dokter = 'D009'",
      "SET SESSION foreign_key_checks = 0",  # D009 is no pegawai; not what is tested here
      "INSERT INTO dokter SELECT * FROM dokter_baru",
      "SET SESSION foreign_key_checks = 1"),
     Change("dokter", "reference", "D009")),
    (("UPDATE kamar SET status = 'ISI' WHERE kd_kamar = 'MWR.01'",),
     Change("kamar", "beds", "MWR")),
    (("UPDATE bangsal SET nm_bangsal = 'RUANG MAWAR BARU' WHERE kd_bangsal = 'MWR'",),
     Change("bangsal", "beds", "MWR")),
    (("CREATE TABLE resep_dokter_racikan (no_resep VARCHAR(14) NOT NULL, "
      "no_racik VARCHAR(2) NOT NULL, PRIMARY KEY (no_resep, no_racik))",
      "INSERT INTO resep_dokter_racikan VALUES ('202501150002', '1')"),
     Change("resep_dokter_racikan", "resep", "202501150002")),
]


def test_every_watched_table_is_exercised_here() -> None:
    assert {change.table for _, change in EACH_TABLE} == set(WATCHED)


async def test_a_commit_to_each_table_read_nudges_for_what_it_touched(
    feed_factory: Callable[[], Awaitable[Running]], khanza: aiomysql.Connection,
    redis: aioredis.Redis,
) -> None:
    running = await feed_factory()
    feed = running.feed
    for statements, expected in EACH_TABLE:
        feed.nudge.clear()
        before = len(feed.recent)
        await execute(khanza, *statements)
        await until(f"nudge for {expected}", feed.nudge.is_set)
        await until(f"{expected} recorded", lambda b=before: len(feed.recent) > b)
        assert list(feed.recent)[before:] == [expected]
    assert feed.nudges == len(EACH_TABLE)
    await until("status published", lambda: feed._dirty is False)
    status = json.loads(await redis.get(CHANGES_STATUS))
    assert status["source"] == "binlog" and status["connected"] is True
    assert status["nudging"] == {change.table: 1 for _, change in EACH_TABLE}
    assert status["position"] == feed.seen and status["lag"] is not None


async def test_an_update_of_columns_the_producer_never_reads_nudges_nobody(
    feed_factory: Callable[[], Awaitable[Running]], khanza: aiomysql.Connection,
) -> None:
    running = await feed_factory()
    feed = running.feed
    await execute(
        khanza,
        "UPDATE reg_periksa SET biaya_reg = 20000 WHERE no_rawat = '2025/01/15/000001'",
        "UPDATE pasien SET nm_ibu = 'IBU LAIN' WHERE no_rkm_medis = '000001'",
        "UPDATE pemeriksaan_ralan SET suhu_tubuh = '37.0' WHERE no_rawat = '2025/01/15/000001'",
        "UPDATE poliklinik SET nm_poli = 'POLI LAIN' WHERE kd_poli = 'INT'",
        # Written again with the same values: a row event, but nothing changed.
        "UPDATE kamar SET status = status WHERE kd_bangsal = 'MWR'",
    )
    sentinel = Change("kamar", "beds", "MLT")
    await execute(khanza, "UPDATE kamar SET status = 'KOSONG' WHERE kd_kamar = 'MLT.01'")
    await until("the sentinel change", lambda: sentinel in feed.recent)
    assert list(feed.recent) == [sentinel]
    assert feed.nudges == 1
    # The irrelevant rows were seen (counted per table), just not acted on.
    assert feed.rows.get("reg_periksa") == 1 and feed.rows.get("pemeriksaan_ralan") == 1


def test_an_update_moving_a_row_to_another_visit_touches_both() -> None:
    row = {"before_values": {"no_rawat": "2025/01/15/000001", "dikirim": None},
           "after_values": {"no_rawat": "2025/01/15/000002", "dikirim": None}}
    assert changes_in_rows("mutasi_berkas", "update", [row]) == [
        Change("mutasi_berkas", "visit", "2025/01/15/000001"),
        Change("mutasi_berkas", "visit", "2025/01/15/000002"),
    ]
    assert changes_in_rows("poliklinik", "write", [{"values": {"kd_poli": "INT"}}]) == []


def test_the_watched_columns_cover_every_column_the_producer_queries_read() -> None:
    from core.khanza.beds import WARD_COUNTS

    missing = []
    for name, sql in {**ALL_QUERIES, "ward_counts": WARD_COUNTS}.items():
        aliases = {a: t for t, a in re.findall(r"(?:FROM|JOIN)\s+(\w+)\s+(\w+)\b", sql)
                   if a.upper() not in ("WHERE", "LEFT", "JOIN", "ON", "GROUP")}
        for alias, column in re.findall(r"\b(\w+)\.(\w+)\b", sql):
            table = aliases.get(alias)
            if table and table != "information_schema" and column not in WATCHED[table].columns:
                missing.append(f"{name}: {table}.{column}")
        single = re.match(r"SELECT\s+(?:DISTINCT\s+)?([\w\s,]+?)\s+FROM\s+(\w+)\s", sql)
        if single and single.group(2) in WATCHED:
            for column in (c.strip() for c in single.group(1).split(",")):
                if column not in WATCHED[single.group(2)].columns:
                    missing.append(f"{name}: {single.group(2)}.{column}")
    assert not missing


async def test_watched_columns_exist_in_the_khanza_schema(
    mariadb_server: MariaDBServer, khanza_db: str,
) -> None:
    connection = await db.connect(DatabaseUrl.parse(mariadb_server.url(khanza_db)),
                                  setting="khanza")
    try:
        async with connection.cursor() as cursor:
            await cursor.execute("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS"
                                 " WHERE TABLE_SCHEMA = DATABASE()")
            present = {(str(t), str(c)) for t, c in await cursor.fetchall()}
    finally:
        connection.close()
    absent = [f"{w.table}.{c}" for w in WATCHED.values() for c in w.columns
              if w.table != "resep_dokter_racikan" and (w.table, c) not in present]
    assert not absent


# --- position: restart, purge, server restart, FLUSH LOGS -------------------------------------


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
        tasks = [asyncio.ensure_future(producer.run(120, nudges, stop, feed)),
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
