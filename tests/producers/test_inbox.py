"""The inbox against a real Redis and a real state database.

Events go in with XADD exactly as a SIMRS would push them; the tests look at
what the state tables hold, what is still pending in the consumer group, what
landed in the rejected stream, and (end to end) what the fake RS Online got.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import aiomysql
import pytest
import redis.asyncio as aioredis
from arq.connections import ArqRedis

from core.keys import INBOX_REJECTED_STREAM, INBOX_STREAM
from core.queue import open_queue
from core.settings import Settings
from core.sirs.models import Oksigen
from core.state.kebutuhan import KebutuhanStore
from core.state.reports import DailyReports
from core.state.shk import ShkStore
from producers.inbox import Inbox, InboxStats, InboxStores, parse
from sandbox.fake_sirs import RunningFakeSirs
from worker.main import build_worker

DAY = date(2025, 1, 15)
GROUP = "simrs-bridge"

Event = dict[str, Any]
OKSIGEN: Event = {"kind": "oksigen", "tanggal": "2025-01-15", "p_cair": 8999.09,
                  "k_isi_cair": "120"}
PCR: Event = {"kind": "pcr_nakes", "tanggal": "2025-01-15", "tgllapor": "2025-01-15 16:00:00",
              "jumlah_tenaga_perawat": 40, "sudah_periksa_perawat": 12, "hasil_pcr_perawat": 1}
NAKES: Event = {"kind": "nakes_terinfeksi", "tanggal": "2025-01-15", "perawat": 2,
                "perawat_isoman": 2, "internship": 1}
SDM: Event = {"kind": "sdm", "id_kebutuhan": "26", "jumlah_eksisting": 10, "jumlah": 12,
              "jumlah_diterima": 0}
APD: Event = {"kind": "apd", "id_kebutuhan": 16, "jumlah_eksisting": "500", "jumlah": "800",
              "jumlah_diterima": "300"}
SHK: Event = {
    "kind": "shk", "ref": "RM000123", "nik_ibu": "3404015501900001", "nama_ibu": "Siti Aminah",
    "nik_anak": "3404010101250002", "nama_anak": "By. Ny. Siti", "tgllahir": "2025-01-13",
    "gender": "Perempuan", "umur": 2, "alamat": "Jl. Kaliurang 5", "provinsi": "34",
    "kabkota": "3404", "kecamatan": "Depok", "tgl_ambil_sampel": "2025-01-15",
    "tgl_kirim_sampel": "2025-01-15", "tgl_lapor": "2025-01-15", "jenis_fasyankes": "2",
}
HASIL: Event = {
    "kind": "hasil_shk", "ref": "RM000123", "jenis_pemeriksaan": "1", "hasil_pemeriksaan": "1",
    "tgl_periksa": "2025-01-16", "tgl_hasil": "2025-01-17", "layak_sampel": "1", "id_layak": "1",
    "tgl_terima": "2025-01-16", "tgllapor": "2025-01-17 09:00:00",
}


async def push(redis: aioredis.Redis, event: dict[str, Any] | str) -> str:
    text = event if isinstance(event, str) else json.dumps(event)
    entry_id = await redis.xadd(INBOX_STREAM, {"event": text})
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


async def drain(inbox: Inbox) -> InboxStats:
    """Process until a step reads nothing (no sleeps: block 0 returns at once)."""
    total = InboxStats()
    while True:
        stats = await inbox.process_once(block_ms=0)
        total += stats
        if stats.read == 0:
            return total


async def pending_count(redis: aioredis.Redis) -> int:
    summary = await redis.xpending(INBOX_STREAM, GROUP)
    return int(summary["pending"])


async def rejected(redis: aioredis.Redis) -> list[dict[str, str]]:
    return [{k.decode(): v.decode() for k, v in fields.items()}
            for _, fields in await redis.xrange(INBOX_REJECTED_STREAM)]


async def wait_for(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        await asyncio.sleep(0.02)


@pytest.fixture
async def queue(redis: aioredis.Redis, redis_url: str) -> AsyncIterator[ArqRedis]:
    pool = await open_queue(redis_url)
    yield pool
    await pool.aclose()


@pytest.fixture
def nudge() -> asyncio.Event:
    return asyncio.Event()


@pytest.fixture
def make_inbox(
    redis: aioredis.Redis, state_pool: aiomysql.Pool, queue: ArqRedis, nudge: asyncio.Event
) -> Callable[..., Inbox]:
    def make(**options: Any) -> Inbox:
        options.setdefault("consumer", "test-inbox")
        return Inbox(redis, InboxStores.on(state_pool), queue, nudge, **options)

    return make


@pytest.fixture
def inbox(make_inbox: Callable[..., Inbox]) -> Inbox:
    return make_inbox()


async def queued(queue: ArqRedis, job_id: str) -> bool:
    return bool(await queue.exists(f"arq:job:{job_id}"))


async def test_each_kind_is_stored_exactly_and_its_job_enqueued(
    inbox: Inbox, redis: aioredis.Redis, state_pool: aiomysql.Pool, queue: ArqRedis
) -> None:
    for event in (OKSIGEN, PCR, NAKES, SDM, APD, SHK, HASIL):
        await push(redis, event)
    stats = await drain(inbox)
    assert (stats.stored, stats.rejected, stats.failed) == (7, 0, 0)
    assert await pending_count(redis) == 0

    reports = DailyReports(state_pool)
    for event in (OKSIGEN, PCR, NAKES):
        stored = await reports.get(str(event["kind"]), DAY)
        assert stored is not None
        assert stored.payload == parse({"event": json.dumps(event)}).payload  # type: ignore[union-attr]
        assert await queued(queue, f"sirs:{event['kind']}:2025-01-15")
    oksigen = await reports.get("oksigen", DAY)
    assert oksigen is not None
    assert oksigen.payload["p_cair"] == "8999.09" and oksigen.payload["k_isi_cair"] == "120"
    pcr = await reports.get("pcr_nakes", DAY)
    assert pcr is not None and pcr.payload["rekap_jumlah_tenaga"] == "40"
    nakes = await reports.get("nakes_terinfeksi", DAY)
    assert nakes is not None and nakes.payload["intership"] == "1"  # the guide's spelling

    kebutuhan = KebutuhanStore(state_pool)
    sdm = await kebutuhan.get("sdm", "26")
    apd = await kebutuhan.get("apd", "16")
    assert sdm is not None and sdm.payload == {
        "id_kebutuhan": "26", "jumlah_eksisting": "10", "jumlah": "12", "jumlah_diterima": "0"}
    assert apd is not None and apd.payload["jumlah"] == "800"
    assert await queued(queue, "sirs:sdm:26") and await queued(queue, "sirs:apd:16")

    shk = ShkStore(state_pool)
    pasien_id = await shk.pasien_id("RM000123")
    assert pasien_id is not None
    case = await shk.get(pasien_id)
    assert case is not None
    assert case.pasien.payload["nik_anak"] == SHK["nik_anak"]
    assert "ref" not in case.pasien.payload and "kind" not in case.pasien.payload
    assert [h.jenis_pemeriksaan for h in case.hasil] == ["1"]
    assert "id_shk" not in case.hasil[0].payload
    assert await queued(queue, f"sirs:shk:{pasien_id}")


async def test_flat_stream_fields_work_like_a_json_event(
    inbox: Inbox, redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    # What `XADD simrs-bridge:inbox * kind oksigen tanggal 2025-01-15 p_cair 10` sends.
    await redis.xadd(INBOX_STREAM, {"kind": "oksigen", "tanggal": "2025-01-15", "p_cair": "10"})
    assert (await drain(inbox)).stored == 1
    stored = await DailyReports(state_pool).get("oksigen", DAY)
    assert stored is not None and stored.payload["p_cair"] == "10"


async def test_a_second_event_for_the_same_date_replaces_the_payload(
    inbox: Inbox, redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    await push(redis, OKSIGEN)
    await push(redis, {**OKSIGEN, "p_cair": 12})
    await push(redis, {**OKSIGEN, "tanggal": "2025-01-16", "p_cair": 3})
    assert (await drain(inbox)).stored == 3
    reports = DailyReports(state_pool)
    first = await reports.get("oksigen", DAY)
    other = await reports.get("oksigen", date(2025, 1, 16))
    assert first is not None and first.payload["p_cair"] == "12"
    assert other is not None and other.payload["p_cair"] == "3"
    assert await reports.pending() == [("oksigen", DAY), ("oksigen", date(2025, 1, 16))]


async def test_a_bad_event_between_two_good_ones_is_rejected_alone(
    inbox: Inbox, redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    await push(redis, OKSIGEN)
    bad_id = await push(redis, {**OKSIGEN, "tanggal": "2025-01-16", "p_cair": "banyak"})
    await push(redis, SDM)
    stats = await drain(inbox)
    assert (stats.stored, stats.rejected) == (2, 1)
    assert await pending_count(redis) == 0
    [record] = await rejected(redis)
    assert record["reason"] == "oksigen.p_cair: must be a number"
    assert record["original_id"] == bad_id
    assert json.loads(record["event"])["p_cair"] == "banyak"
    assert await DailyReports(state_pool).get("oksigen", DAY) is not None
    assert await DailyReports(state_pool).get("oksigen", date(2025, 1, 16)) is None
    assert await KebutuhanStore(state_pool).get("sdm", "26") is not None


@pytest.mark.parametrize(("fields", "reason"), [
    ({"event": "{not json"}, "event: is not JSON"),
    ({"event": "[1, 2]"}, "event: must be a JSON object"),
    ({"event": json.dumps({"tanggal": "2025-01-15"})}, "kind: is required"),
    ({"event": json.dumps({"kind": "oxygen"})}, "kind: unknown kind 'oxygen'"),
    ({"event": json.dumps({"kind": "oksigen", "p_cair": 1})}, "oksigen.tanggal: is required"),
    ({"event": json.dumps({**OKSIGEN, "tanggal": "15/01/2025"})},
     "oksigen.tanggal: must be a date yyyy-mm-dd"),
    ({"event": json.dumps({**SDM, "jumlah": "dua"})}, "sdm.jumlah: must be a whole number"),
    ({"event": json.dumps({**SDM, "jumlah": -1})}, "sdm.jumlah: must be at least 0"),
    ({"event": json.dumps({**OKSIGEN, "p_cairan": 1})}, "oksigen.p_cairan: is not a field"),
    ({"event": json.dumps({**OKSIGEN, "p_cair": {"m3": 1}})},
     "oksigen.p_cair: must be a plain value"),
    ({"event": json.dumps({**PCR, "rekap_jumlah_tenaga": 7})},
     "pcr_nakes.rekap_jumlah_tenaga: must be the sum"),
    ({"event": json.dumps({k: v for k, v in SHK.items() if k != "ref"})},
     "shk.ref: is required"),
    ({"event": json.dumps({**SHK, "nik_anak": "12345"})}, "shk.nik_anak: String should match"),
    ({"event": json.dumps({**HASIL, "id_shk": 5})}, "hasil_shk.id_shk: is assigned by RS Online"),
    ({"event": json.dumps({"kind": "booking_changed"})},
     "booking_changed.kodebooking: is required"),
    ({"event": json.dumps(OKSIGEN), "kind": "oksigen"}, "use either one field 'event'"),
])
async def test_invalid_events_are_rejected_with_a_reason(
    inbox: Inbox, redis: aioredis.Redis, fields: dict[Any, Any], reason: str
) -> None:
    entry_id = await redis.xadd(INBOX_STREAM, fields)
    stats = await drain(inbox)
    assert (stats.rejected, stats.stored) == (1, 0)
    assert await pending_count(redis) == 0
    [record] = await rejected(redis)
    assert record["reason"].startswith(reason), record["reason"]
    assert record["original_id"] == entry_id.decode()


async def test_a_store_failure_leaves_entries_pending_until_the_store_recovers(
    inbox: Inbox, redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    async with state_pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("RENAME TABLE daily_report TO daily_report_away")
    await push(redis, OKSIGEN)
    await push(redis, SDM)
    stats = await inbox.process_once(block_ms=0)
    assert (stats.failed, stats.stored) == (1, 0)
    again = await inbox.process_once(block_ms=0)  # retried first, fails again, no skipping
    assert (again.failed, again.stored) == (1, 0)
    assert await pending_count(redis) == 2
    assert await KebutuhanStore(state_pool).get("sdm", "26") is None
    assert await rejected(redis) == []

    async with state_pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("RENAME TABLE daily_report_away TO daily_report")
    assert (await drain(inbox)).stored == 2
    assert await pending_count(redis) == 0
    assert await DailyReports(state_pool).get("oksigen", DAY) is not None
    assert await KebutuhanStore(state_pool).get("sdm", "26") is not None


async def test_entries_a_dead_consumer_left_pending_are_reclaimed(
    make_inbox: Callable[..., Inbox], redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    inbox = make_inbox(claim_idle_ms=200)
    await inbox.ensure_group()
    await push(redis, OKSIGEN)
    # A process read it and died before storing it.
    await redis.xreadgroup(GROUP, "dead-host-1", {INBOX_STREAM: ">"}, count=10)
    assert (await inbox.process_once(block_ms=0)).stored == 0
    assert await pending_count(redis) == 1

    total = InboxStats()

    async def reclaimed() -> bool:
        nonlocal total
        total += await inbox.process_once(block_ms=0)
        return total.stored == 1

    await wait_for(reclaimed)
    assert total.reclaimed == 1
    assert await pending_count(redis) == 0
    assert await DailyReports(state_pool).get("oksigen", DAY) is not None


async def test_a_late_reclaimed_event_does_not_overwrite_a_newer_one(
    make_inbox: Callable[..., Inbox], redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    inbox = make_inbox(claim_idle_ms=200)
    await inbox.ensure_group()
    await push(redis, {**OKSIGEN, "p_cair": 1})
    await redis.xreadgroup(GROUP, "dead-host-1", {INBOX_STREAM: ">"}, count=10)
    await push(redis, {**OKSIGEN, "p_cair": 2})
    assert (await inbox.process_once(block_ms=0)).stored == 1
    total = InboxStats()

    async def done() -> bool:
        nonlocal total
        total += await inbox.process_once(block_ms=0)
        return total.stale == 1

    await wait_for(done)
    assert await pending_count(redis) == 0
    stored = await DailyReports(state_pool).get("oksigen", DAY)
    assert stored is not None and stored.payload["p_cair"] == "2"


async def test_booking_changed_nudges_the_producer_and_stores_nothing(
    inbox: Inbox, redis: aioredis.Redis, nudge: asyncio.Event, state_pool: aiomysql.Pool
) -> None:
    await push(redis, {"kind": "booking_changed", "kodebooking": "20250115000003"})
    assert not nudge.is_set()
    stats = await drain(inbox)
    assert (stats.nudged, stats.stored) == (1, 0)
    assert nudge.is_set()
    assert await pending_count(redis) == 0
    assert await DailyReports(state_pool).pending() == []


async def test_run_keeps_going_after_rejections_and_stops_on_request(
    inbox: Inbox, redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(inbox.run(stop, block_ms=50))
    await push(redis, "garbage")
    await push(redis, OKSIGEN)
    reports = DailyReports(state_pool)

    async def stored() -> bool:
        return await reports.get("oksigen", DAY) is not None

    await wait_for(stored)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert len(await rejected(redis)) == 1


async def test_trimming_keeps_history_bounded_and_never_drops_unprocessed_entries(
    make_inbox: Callable[..., Inbox], redis: aioredis.Redis
) -> None:
    # Small stream nodes so that approximate trimming (whole nodes only) is visible here.
    await redis.config_set("stream-node-max-entries", 1)
    try:
        inbox = make_inbox(history=3)
        await inbox.ensure_group()
        for n in range(6):
            await push(redis, {**OKSIGEN, "p_cair": n})
        await drain(inbox)
        left_pending = await push(redis, {**OKSIGEN, "p_cair": 6})
        await redis.xreadgroup(GROUP, "dead-host-1", {INBOX_STREAM: ">"}, count=10)
        undelivered = await push(redis, {**OKSIGEN, "p_cair": 7})
        assert await inbox.trim() == 3
        ids = [i.decode() for i, _ in await redis.xrange(INBOX_STREAM)]
        assert len(ids) == 5 and ids[-2:] == [left_pending, undelivered]
        assert await inbox.trim() == 0
    finally:
        await redis.config_set("stream-node-max-entries", 100)


async def test_logs_never_show_the_baby_reference_or_nik(
    inbox: Inbox, redis: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await push(redis, SHK)
    await push(redis, {**SHK, "tgllahir": SHK["nik_anak"]})  # a NIK typed into a date field
    await push(redis, HASIL)
    stats = await drain(inbox)
    assert (stats.stored, stats.rejected) == (2, 1)
    assert "0123" in caplog.text  # masked references keep their last four characters
    for secret in ("RM000123", SHK["nik_anak"], SHK["nik_ibu"], SHK["nama_ibu"]):
        assert secret not in caplog.text


async def test_an_oksigen_event_reaches_rs_online(
    bridge_settings: Settings, fake_sirs: RunningFakeSirs, redis: aioredis.Redis,
    state_db_url: str,
) -> None:
    from core import db
    from core.state.migrate import migrate

    pool = await db.create_pool(bridge_settings.state_db_url, setting="test")
    queue = await open_queue(bridge_settings.redis_url)
    try:
        async with pool.acquire() as connection:
            await migrate(connection)
        inbox = Inbox(redis, InboxStores.on(pool), queue, asyncio.Event(), consumer="e2e")
        await push(redis, OKSIGEN)
        assert (await drain(inbox)).enqueued == 1
        worker = build_worker(bridge_settings, burst=True)
        await worker.async_run()
        await worker.close()
        assert worker.jobs_failed == 0
        row = fake_sirs.state.reports["Logistik/oksigen"]["2025-01-15"]
        expected = Oksigen.model_validate({k: v for k, v in OKSIGEN.items() if k != "kind"})
        assert {k: row[k] for k in expected.body()} == expected.body()
        report = await DailyReports(pool).get("oksigen", DAY)
        assert report is not None and not report.pending
    finally:
        pool.close()
        await pool.wait_closed()
        await queue.aclose()
