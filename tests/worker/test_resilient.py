"""The worker against a Redis that restarts, is flushed, or holds a forged job.

Real Redis (a private one with AOF for the restart), real state database, the
fake BPJS with a little latency so that a job is mid-run when Redis goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import redis.asyncio as aioredis
from arq.connections import ArqRedis

from core import db
from core.keys import BPJS_BOOKING, QUEUE_NAME, booking_job_id
from core.queue import enqueue, open_queue
from core.settings import Settings
from core.state.deadletters import DeadLetters
from sandbox.fake_bpjs import RunningFake
from sandbox.faults import FAULTS_KEY, RECORDER_KEY
from sandbox.services import RedisServer
from worker.main import build_worker
from worker.resilient import ResilientWorker

from .test_pipeline_functional import assert_bpjs_holds_exactly, generate, path_counts

EXACT = {"antrean/add": 1, "antrean/updatewaktu": 5, "antrean/farmasi/add": 1}


async def until(check: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def worker_running(settings: Settings):  # type: ignore[no-untyped-def]
    worker = build_worker(settings)
    task = asyncio.create_task(worker.async_run())
    try:
        yield worker, task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        await worker.close()


async def queue_empty(queue: ArqRedis) -> bool:
    return await queue.zcard(QUEUE_NAME) == 0


async def test_the_worker_rides_out_a_redis_restart_and_finishes_the_job_in_flight(
    bridge_settings: Settings, fake_bpjs: RunningFake, tmp_path: Path
) -> None:
    server = RedisServer(tmp_path / "redis", appendonly=True).start()
    settings = bridge_settings.model_copy(update={"redis_url": server.url})
    try:
        [visit] = await generate(settings, ("mobile_jkn", 1, 1))
        fake_bpjs.app[FAULTS_KEY].update({"latency": 0.3})
        queue = await open_queue(settings.redis_url)
        requests = fake_bpjs.app[RECORDER_KEY].requests
        async with worker_running(settings) as (_, task):
            await enqueue(queue, BPJS_BOOKING, visit.kodebooking,
                          job_id=booking_job_id(BPJS_BOOKING, visit.kodebooking))
            await until(lambda: asyncio.sleep(0, len(requests) >= 2), 10, "the job to start")
            server.stop()
            await asyncio.sleep(1.1)
            server.start()
            await until(lambda: asyncio.sleep(0, sum(path_counts(requests).values()) >= 7),
                        60, "the job to finish")
            await until(lambda: queue_empty(queue), 30, "the queue to empty")
            assert not task.done(), "the worker exited"
        await queue.aclose()
        assert path_counts(requests) == EXACT
        assert_bpjs_holds_exactly(fake_bpjs, [visit])
    finally:
        server.stop()


async def test_after_flushall_one_job_id_never_runs_twice_at_once(
    bridge_settings: Settings, fake_bpjs: RunningFake, redis: aioredis.Redis
) -> None:
    [visit] = await generate(bridge_settings, ("mobile_jkn", 1, 1))
    fake_bpjs.app[FAULTS_KEY].update({"latency": 0.3})
    job_id = booking_job_id(BPJS_BOOKING, visit.kodebooking)
    queue = await open_queue(bridge_settings.redis_url)
    requests = fake_bpjs.app[RECORDER_KEY].requests
    async with worker_running(bridge_settings) as (_, task):
        await enqueue(queue, BPJS_BOOKING, visit.kodebooking, job_id=job_id)
        await until(lambda: asyncio.sleep(0, len(requests) >= 1), 10, "the job to start")
        await redis.flushall()  # arq's in-progress marker goes with everything else
        assert await enqueue(queue, BPJS_BOOKING, visit.kodebooking, job_id=job_id)
        await until(lambda: asyncio.sleep(0, sum(path_counts(requests).values()) >= 7),
                    30, "the job to finish")
        await until(lambda: queue_empty(queue), 30, "the queue to empty")
        await asyncio.sleep(1.0)  # a second run, had it started, would send again now
        assert not task.done()
    await queue.aclose()
    assert path_counts(requests) == EXACT


async def test_a_forged_job_with_an_absurd_try_count_becomes_a_dead_letter(
    bridge_settings: Settings, fake_bpjs: RunningFake, redis: aioredis.Redis
) -> None:
    [visit] = await generate(bridge_settings, ("mobile_jkn", 1, 1))
    job_id = booking_job_id(BPJS_BOOKING, visit.kodebooking)
    queue = await open_queue(bridge_settings.redis_url)
    await queue.enqueue_job(BPJS_BOOKING, visit.kodebooking, _job_id=job_id, _job_try=10**9)
    await queue.aclose()
    worker: ResilientWorker = build_worker(bridge_settings, burst=True)
    await worker.async_run()
    await worker.close()
    assert path_counts(fake_bpjs.app[RECORDER_KEY].requests) == {}
    pool = await db.create_pool(bridge_settings.state_db_url, setting="state")
    try:
        [letter] = await DeadLetters(pool).open()
    finally:
        pool.close()
        await pool.wait_closed()
    assert letter.job_id == job_id and letter.function == BPJS_BOOKING
    assert letter.args == [visit.kodebooking]
    assert "beyond the limit" in letter.message
