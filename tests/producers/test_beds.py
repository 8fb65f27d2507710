"""Desired RS Online bed groups from the sample Khanza day, and when the producer asks for them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import aiomysql
import pytest
from arq.connections import ArqRedis

from core.beds import (
    RECONCILE_EVERY,
    DesiredBeds,
    LastReconcile,
    desired_groups,
    load_desired,
    read_last,
    write_last,
)
from core.db import create_pool
from core.keys import BEDS_JOB_ID, BEDS_LAST, QUEUE_NAME, dirty_key
from core.khanza.beds import WardCount
from core.queue import open_queue
from core.settings import DatabaseUrl
from core.state.beds import BedMapping, BedMappingStore
from producers.beds import BedsProducer
from sandbox.services import MariaDBServer

SAMPLE = [
    BedMapping("MWR", "Kelas 1", "3", "Ruang Mawar"),
    BedMapping("MLT", "Kelas 3", "5", "Ruang Melati"),
    BedMapping("ICU", "Kelas Utama", "6", "Ruang ICU"),
]
Pools = Callable[[str], Awaitable[aiomysql.Pool]]


@pytest.fixture
async def khanza_pool(mariadb_server: MariaDBServer) -> AsyncIterator[Pools]:
    opened: list[aiomysql.Pool] = []

    async def open_(database: str) -> aiomysql.Pool:
        pool = await create_pool(DatabaseUrl.parse(mariadb_server.url(database)), setting="t")
        opened.append(pool)
        return pool

    yield open_
    for pool in opened:
        pool.close()
        await pool.wait_closed()


@pytest.fixture
async def mapping(state_pool: aiomysql.Pool) -> BedMappingStore:
    store = BedMappingStore(state_pool)
    await store.replace_all(SAMPLE)
    return store


def numbers(desired: DesiredBeds) -> dict[tuple[str, str], dict[str, int]]:
    fields = ("jumlah_ruang", "jumlah", "terpakai", "terpakai_suspek", "terpakai_konfirmasi",
              "prepare", "covid")
    return {g.key: {f: getattr(g, f) for f in fields} for g in desired.groups}


def counts(**extra: int) -> dict[str, int]:
    base = {"jumlah_ruang": 1, "terpakai_suspek": 0, "terpakai_konfirmasi": 0, "prepare": 0,
            "covid": 0}
    return {**base, **extra}


async def test_sample_day_groups(
    khanza_pool: Pools, khanza_db: str, mapping: BedMappingStore
) -> None:
    desired = await load_desired(await khanza_pool(khanza_db), mapping)
    # MWR: 2 free. MLT: 1 ISI, 1 KOSONG, 1 DIBERSIHKAN. ICU: 1 KOSONG, 1 PERBAIKAN.
    assert numbers(desired) == {
        ("3", "Ruang Mawar"): counts(jumlah=2, terpakai=0, prepare=0),
        ("5", "Ruang Melati"): counts(jumlah=3, terpakai=1, prepare=1),
        ("6", "Ruang ICU"): counts(jumlah=2, terpakai=0, prepare=0),
    }
    assert desired.unmapped == [] and desired.invalid == []


async def test_unmapped_ward_is_reported_not_guessed(
    khanza_pool: Pools, khanza_db: str, state_pool: aiomysql.Pool
) -> None:
    store = BedMappingStore(state_pool)
    await store.replace_all(SAMPLE[:2])
    desired = await load_desired(await khanza_pool(khanza_db), store)
    assert set(numbers(desired)) == {("3", "Ruang Mawar"), ("5", "Ruang Melati")}
    assert desired.unmapped_wards == [("ICU", "Kelas Utama")]
    assert desired.unmapped[0].capacity == 2


async def test_classes_mapped_to_one_group_are_summed(
    khanza_pool: Pools, khanza_db: str, state_pool: aiomysql.Pool
) -> None:
    store = BedMappingStore(state_pool)
    await store.replace_all([
        BedMapping("MWR", "Kelas 1", "4", "Bangsal Umum"),
        BedMapping("MLT", "Kelas 3", "4", "Bangsal Umum"),
        SAMPLE[2],
    ])
    desired = await load_desired(await khanza_pool(khanza_db), store)
    assert numbers(desired)[("4", "Bangsal Umum")] == counts(
        jumlah_ruang=2, jumlah=5, terpakai=1, prepare=1)
    assert len(desired.groups) == 2


async def test_booked_beds_prepare_and_covid_split(
    khanza_pool: Pools, mariadb_server: MariaDBServer, fresh_khanza_db: str,
    state_pool: aiomysql.Pool,
) -> None:
    mariadb_server.sql("""
        UPDATE kamar SET status = 'DIBOOKING' WHERE kd_kamar = 'MWR.01';
        UPDATE kamar SET status = 'ISI' WHERE kd_kamar IN ('ICU.01', 'ICU.02');""",
                       fresh_khanza_db)
    store = BedMappingStore(state_pool)
    await store.replace_all([SAMPLE[0], BedMapping("ICU", "Kelas Utama", "24", "Isolasi ICU", 1)])
    desired = await load_desired(await khanza_pool(fresh_khanza_db), store)
    assert numbers(desired) == {
        ("3", "Ruang Mawar"): counts(jumlah=2, terpakai=0, prepare=1),
        # No confirmation is recorded in Khanza's kamar: occupied COVID beds are suspects.
        ("24", "Isolasi ICU"): counts(jumlah=2, terpakai=2, terpakai_suspek=2, covid=1),
    }


def test_mapped_ward_without_beds_reports_zero_and_ruang_is_cleaned() -> None:
    ward = WardCount("MWR", "RUANG MAWAR", "Kelas 1", 2, 1, 1, 0, 0)
    desired = desired_groups([ward], [
        BedMapping("MWR", "Kelas 1", "3", "  Ruang D'Mawar "),
        BedMapping("MWR", "Kelas 2", "3", "Ruang D\u2019Mawar"),  # the same group once cleaned
        BedMapping("OLD", "Kelas 2", "5", "Ruang Tutup"),
    ])
    assert [g.key for g in desired.groups] == [("3", "Ruang D\u2019Mawar"), ("5", "Ruang Tutup")]
    assert (desired.groups[0].jumlah, desired.groups[0].terpakai) == (2, 1)
    assert (desired.groups[1].jumlah, desired.groups[1].terpakai) == (0, 0)


def test_conflicting_covid_flags_make_the_group_invalid() -> None:
    desired = desired_groups([], [BedMapping("A", "Kelas 1", "3", "X", 0),
                                  BedMapping("B", "Kelas 1", "3", "X", 1)])
    assert desired.groups == []
    assert desired.invalid == ["3/X: mapped with both covid 0 and covid 1"]


def test_digest_follows_the_counts() -> None:
    ward = WardCount("MWR", "RUANG MAWAR", "Kelas 1", 2, 0, 2, 0, 0)
    first = desired_groups([ward], SAMPLE).digest
    assert desired_groups([ward], SAMPLE).digest == first
    busier = WardCount("MWR", "RUANG MAWAR", "Kelas 1", 2, 1, 1, 0, 0)
    assert desired_groups([busier], SAMPLE).digest != first


@pytest.fixture
async def queue(redis: object, redis_url: str) -> AsyncIterator[ArqRedis]:
    client = await open_queue(redis_url)
    yield client
    await client.aclose()


async def test_producer_enqueues_on_change_or_when_stale(
    khanza_pool: Pools, mariadb_server: MariaDBServer, fresh_khanza_db: str,
    mapping: BedMappingStore, queue: ArqRedis,
) -> None:
    now = [1_000_000.0]
    khanza = await khanza_pool(fresh_khanza_db)
    producer = BedsProducer(khanza=khanza, mapping=mapping, queue=queue, clock=lambda: now[0])

    async def queued() -> int:
        return int(await queue.zcard(QUEUE_NAME))

    assert await producer.cycle() is True  # never reconciled
    assert await queued() == 1
    assert await producer.cycle() is False  # the same job id coalesces and marks it dirty
    assert await queue.exists(dirty_key(BEDS_JOB_ID))
    await queue.delete(QUEUE_NAME, dirty_key(BEDS_JOB_ID), f"arq:job:{BEDS_JOB_ID}")

    # The job reconciled exactly what Khanza shows now: nothing to do.
    desired = await load_desired(khanza, mapping)
    await write_last(queue, LastReconcile(desired.digest, now[0], now[0]))
    assert await read_last(queue) == LastReconcile(desired.digest, now[0], now[0])
    assert await producer.cycle() is None
    assert await queued() == 0

    now[0] += RECONCILE_EVERY - 1
    assert await producer.cycle() is None
    now[0] += 1
    assert await producer.cycle() is True  # stale: reconcile to catch drift upstream
    await queue.delete(QUEUE_NAME, f"arq:job:{BEDS_JOB_ID}")
    await write_last(queue, LastReconcile(desired.digest, now[0], now[0]))

    mariadb_server.sql("UPDATE kamar SET status = 'ISI' WHERE kd_kamar = 'MWR.01'",
                       fresh_khanza_db)
    assert await producer.cycle() is True  # a bed changed: reconcile now
    assert await queued() == 1


async def test_producer_stays_quiet_without_a_mapping(
    khanza_pool: Pools, khanza_db: str, state_pool: aiomysql.Pool, queue: ArqRedis
) -> None:
    producer = BedsProducer(khanza=await khanza_pool(khanza_db),
                            mapping=BedMappingStore(state_pool), queue=queue)
    assert await producer.cycle() is None
    assert not await queue.exists(QUEUE_NAME, BEDS_LAST)
