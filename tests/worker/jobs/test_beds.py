"""``sirs_beds`` end to end: real Khanza and state databases, real Redis, the fake RS Online."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from arq.worker import Retry

from core.keys import BEDS_JOB_ID, BEDS_LAST, BEDS_STATUS, dirty_key
from core.queue import open_queue
from core.settings import Settings
from core.state.beds import BedMapping, BedMappingStore, MariaDbIdTtStore
from producers.beds import BedsProducer
from sandbox.fake_sirs import RunningFakeSirs
from sandbox.services import MariaDBServer
from worker import main
from worker.jobs.beds import REFRESH_EVERY, sirs_beds
from worker.jobs.send import IN_JOB_ATTEMPTS
from worker.services import Services, open_services

SAMPLE = [
    BedMapping("MWR", "Kelas 1", "3", "Ruang Mawar"),
    BedMapping("MLT", "Kelas 3", "5", "Ruang Melati"),
    BedMapping("ICU", "Kelas Utama", "6", "Ruang ICU"),
]
MAWAR, MELATI, ICU = (m.key for m in SAMPLE)


@pytest.fixture
async def ctx(bridge_settings: Settings, redis: object) -> AsyncIterator[dict[str, Any]]:
    services = await open_services(bridge_settings)
    await BedMappingStore(services.state).replace_all(SAMPLE)
    yield {"services": services, "job_try": 1, "job_id": BEDS_JOB_ID,
           "enqueue_time": time.time()}
    await services.close()


def server_ids(fake: RunningFakeSirs) -> dict[tuple[str, str], str]:
    return {(r["id_tt"], r["ruang"]): r["id_t_tt"] for r in fake.state.beds.values()}


def server_row(fake: RunningFakeSirs, key: tuple[str, str]) -> dict[str, Any]:
    return next(r for r in fake.state.beds.values() if (r["id_tt"], r["ruang"]) == key)


async def stored_ids(ctx: dict[str, Any]) -> dict[tuple[str, str], str]:
    return await MariaDbIdTtStore(ctx["services"].state).list()


async def run(ctx: dict[str, Any], fake: RunningFakeSirs) -> list[tuple[str, str]]:
    """One job run; the RS Online calls it made."""
    await fake.clear_requests()
    await sirs_beds(ctx)
    return await fake.requests()


async def until(check: Callable[[], Awaitable[bool]], deadline: float = 10.0) -> None:
    end = time.monotonic() + deadline
    while not await check():
        assert time.monotonic() < end, "condition not met in time"
        await asyncio.sleep(0.01)


GET, POST, PUT = ("GET", "Fasyankes"), ("POST", "Fasyankes"), ("PUT", "Fasyankes")


async def test_first_run_posts_every_group_and_keeps_the_ids(
    ctx: dict[str, Any], fake_sirs: RunningFakeSirs
) -> None:
    assert await run(ctx, fake_sirs) == [GET, POST, POST, POST]
    assert set(server_ids(fake_sirs)) == {MAWAR, MELATI, ICU}
    assert await stored_ids(ctx) == server_ids(fake_sirs)
    melati = server_row(fake_sirs, MELATI)
    assert (melati["jumlah"], melati["terpakai"], melati["prepare"]) == ("3", "1", "1")
    status = json.loads(await ctx["services"].redis.get(BEDS_STATUS))
    assert sorted(status["posted"]) == ["3/Ruang Mawar", "5/Ruang Melati", "6/Ruang ICU"]
    assert status["errors"] == [] and status["unmapped"] == []
    assert await ctx["services"].redis.exists(BEDS_LAST)


async def test_a_bed_change_puts_exactly_that_group_by_id(
    ctx: dict[str, Any], fake_sirs: RunningFakeSirs, mariadb_server: MariaDBServer,
    bridge_settings: Settings,
) -> None:
    await run(ctx, fake_sirs)
    ids = server_ids(fake_sirs)
    mariadb_server.sql("UPDATE kamar SET status = 'ISI' WHERE kd_kamar = 'MWR.01'",
                       bridge_settings.khanza_db_url.database)
    assert await run(ctx, fake_sirs) == [GET, PUT]
    put = fake_sirs.state.seen[-1]
    assert put.method == "PUT" and put.body["id_t_tt"] == ids[MAWAR]
    assert "id_tt" not in put.body and put.body["terpakai"] == "1"
    assert server_row(fake_sirs, MAWAR)["terpakai"] == "1"
    assert server_ids(fake_sirs) == ids  # updated in place, nothing new

    assert await run(ctx, fake_sirs) == [GET]  # unchanged groups: no PUT at all
    status = json.loads(await ctx["services"].redis.get(BEDS_STATUS))
    assert len(status["unchanged"]) == 3 and status["updated"] == []


async def test_every_group_is_put_hourly_and_on_replay(
    ctx: dict[str, Any], fake_sirs: RunningFakeSirs
) -> None:
    """Unchanged counts still refresh the public tglupdate once an hour, and on a replay."""
    redis = ctx["services"].redis
    await run(ctx, fake_sirs)
    last = json.loads(await redis.get(BEDS_LAST))
    last["refreshed_at"] -= REFRESH_EVERY
    await redis.set(BEDS_LAST, json.dumps(last))
    assert await run(ctx, fake_sirs) == [GET, PUT, PUT, PUT]
    assert await run(ctx, fake_sirs) == [GET]
    await fake_sirs.clear_requests()
    await sirs_beds(ctx, force=True)
    assert await fake_sirs.requests() == [GET, PUT, PUT, PUT]


async def test_a_group_deleted_upstream_is_posted_again(
    ctx: dict[str, Any], fake_sirs: RunningFakeSirs
) -> None:
    await run(ctx, fake_sirs)
    old = server_ids(fake_sirs)[ICU]
    del fake_sirs.state.beds[old]
    assert await run(ctx, fake_sirs) == [GET, POST]
    new = server_ids(fake_sirs)[ICU]
    assert new != old and (await stored_ids(ctx))[ICU] == new


async def test_put_answered_tidak_ditemukan_posts_and_stores_the_new_id(
    ctx: dict[str, Any], fake_sirs: RunningFakeSirs, mariadb_server: MariaDBServer,
    bridge_settings: Settings,
) -> None:
    """The record vanishes between the listing and the PUT (deleted at Kemenkes)."""
    await run(ctx, fake_sirs)
    old = server_ids(fake_sirs)[MELATI]
    mariadb_server.sql("UPDATE kamar SET status = 'ISI' WHERE kd_kamar = 'MLT.02'",
                       bridge_settings.khanza_db_url.database)
    await fake_sirs.clear_requests()
    await fake_sirs.set_faults(latency=0.2)  # each request waits on the server before handling
    job = asyncio.create_task(sirs_beds(ctx))
    await until(lambda: _arrived(fake_sirs, PUT))
    del fake_sirs.state.beds[old]  # before the PUT's handler runs
    await job
    assert await fake_sirs.requests() == [GET, PUT, POST]
    assert fake_sirs.state.seen[-2].body["id_t_tt"] == old
    async with ctx["services"].state.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("SELECT job_id, message FROM audit WHERE method = 'PUT'")
        assert [(j, "tidak ditemukan" in m) for j, m in await cursor.fetchall()] == [
            (BEDS_JOB_ID, True)]
    new = server_ids(fake_sirs)[MELATI]
    assert new != old and (await stored_ids(ctx))[MELATI] == new
    assert server_row(fake_sirs, MELATI)["terpakai"] == "2"


async def _arrived(fake: RunningFakeSirs, call: tuple[str, str]) -> bool:
    return call in await fake.requests()


async def test_a_refused_group_is_a_dead_letter_once_and_the_rest_go_out(
    ctx: dict[str, Any], fake_sirs: RunningFakeSirs
) -> None:
    services: Services = ctx["services"]
    # A code Kemenkes withdrew after the mapping was loaded: the server refuses it.
    await BedMappingStore(services.state).replace_all(
        [*SAMPLE[:2], BedMapping("ICU", "Kelas Utama", "13", "Ruang ICU")])
    await run(ctx, fake_sirs)
    assert set(server_ids(fake_sirs)) == {MAWAR, MELATI}
    letters = await services.dead_letters.open()
    assert len(letters) == 1
    assert letters[0].job_id == BEDS_JOB_ID and letters[0].function == "sirs_beds"
    assert "13/Ruang ICU" in letters[0].message and "tidak terdaftar" in letters[0].message
    status = json.loads(await services.redis.get(BEDS_STATUS))
    assert len(status["errors"]) == 1 and len(status["posted"]) == 2

    await run(ctx, fake_sirs)  # refused again: still one open letter
    assert len(await services.dead_letters.open()) == 1


async def test_an_unreachable_server_retries_through_the_guard(
    ctx: dict[str, Any], fake_sirs: RunningFakeSirs
) -> None:
    await fake_sirs.set_faults(error_rate=1.0)
    await fake_sirs.clear_requests()
    with pytest.raises(Retry):
        await sirs_beds(ctx)
    # Each call goes through guarded(): its in-job retries, then arq's backoff.
    assert await fake_sirs.requests() == [GET] * IN_JOB_ATTEMPTS
    services: Services = ctx["services"]
    breaker = await services.breakers["sirs"].state()
    assert breaker["failures"] == IN_JOB_ATTEMPTS
    assert not await services.redis.exists(BEDS_LAST)
    status = json.loads(await services.redis.get(BEDS_STATUS))
    assert "503" in status["message"] and status["last_success"] is None


async def test_a_change_during_the_run_gets_another_pass(
    ctx: dict[str, Any], fake_sirs: RunningFakeSirs, mariadb_server: MariaDBServer,
    bridge_settings: Settings,
) -> None:
    services: Services = ctx["services"]
    await fake_sirs.set_faults(latency=0.3)
    job = asyncio.create_task(sirs_beds(ctx))
    await until(lambda: _arrived(fake_sirs, GET))  # counts read; 4 slow calls still to go
    mariadb_server.sql("UPDATE kamar SET status = 'ISI' WHERE kd_kamar = 'ICU.01'",
                       bridge_settings.khanza_db_url.database)
    await services.redis.set(dirty_key(BEDS_JOB_ID), b"1")  # what the producer's enqueue does
    await job
    assert await fake_sirs.requests() == [GET, POST, POST, POST, GET, PUT]
    assert server_row(fake_sirs, ICU)["terpakai"] == "1"


async def test_producer_and_arq_worker_end_to_end(
    bridge_settings: Settings, fake_sirs: RunningFakeSirs, redis: object,
) -> None:
    """The producer's bed step queues ``sirs:beds``; the daemon's own worker runs it from JSON."""
    services = await open_services(bridge_settings)
    queue = await open_queue(bridge_settings.redis_url)
    try:
        mapping = BedMappingStore(services.state)
        await mapping.replace_all(SAMPLE)
        producer = BedsProducer(khanza=services.khanza, mapping=mapping, queue=queue)
        assert await producer.cycle() is True
        worker = main.build_worker(bridge_settings, burst=True)
        await worker.async_run()
        await worker.close()
        assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
        assert set(server_ids(fake_sirs)) == {MAWAR, MELATI, ICU}
        assert await producer.cycle() is None  # reconciled: nothing due until a change
    finally:
        await queue.aclose()
        await services.close()
