"""Replaying a dead letter: claimed once however many operators press at once, then queued
with force=True under the producer's own job id (or marked dirty if that job is queued)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiomysql
import pytest
import redis.asyncio as aioredis
from arq.connections import ArqRedis

from app.replay import replay
from core.errors import Outcome
from core.keys import QUEUE_NAME, dirty_key
from core.queue import enqueue, open_queue
from core.state.deadletters import DeadLetters

JOB_ID = "bpjs:booking:20250115000003"


@pytest.fixture
async def queue(redis: aioredis.Redis, redis_url: str) -> AsyncIterator[ArqRedis]:
    opened = await open_queue(redis_url)
    yield opened
    await opened.aclose()


async def bury(state_pool: aiomysql.Pool) -> int:
    return await DeadLetters(state_pool).add(
        JOB_ID, "bpjs_booking", ["20250115000003"], upstream="bpjs", outcome=Outcome.PERMANENT,
        code="201", message="add: Rujukan tidak valid", attempts=3)


async def test_concurrent_replays_claim_and_queue_once(
    state_pool: aiomysql.Pool, queue: ArqRedis, redis: aioredis.Redis
) -> None:
    letters = DeadLetters(state_pool)
    letter = await letters.get(await bury(state_pool))
    assert letter is not None
    # Each press has its own connection, as two operators' requests would.
    results = await asyncio.gather(*(replay(letters, queue, letter) for _ in range(8)))
    assert [r.claimed for r in results].count(True) == 1
    assert [r.queued for r in results].count(True) == 1
    assert all(not r.queued for r in results if not r.claimed)
    assert await redis.zrange(QUEUE_NAME, 0, -1) == [JOB_ID.encode()]
    job = json.loads(await redis.get(f"arq:job:{JOB_ID}"))
    assert (job["f"], job["a"], job["k"]) == ("bpjs_booking", ["20250115000003"], {"force": True})
    replayed = await letters.get(letter.id)
    assert replayed is not None and replayed.replayed_at is not None
    assert await letters.count_open() == 0
    # A later press finds it claimed: nothing more is queued.
    again = await replay(letters, queue, letter)
    assert (again.claimed, again.queued) == (False, False)


async def test_a_replay_of_a_queued_job_marks_it_dirty_instead(
    state_pool: aiomysql.Pool, queue: ArqRedis, redis: aioredis.Redis
) -> None:
    # The producer queued the same job in the meantime: the replay must not double it.
    assert await enqueue(queue, "bpjs_booking", "20250115000003", job_id=JOB_ID)
    await redis.delete(dirty_key(JOB_ID))  # as that job does when it starts
    letters = DeadLetters(state_pool)
    letter = await letters.get(await bury(state_pool))
    assert letter is not None
    result = await replay(letters, queue, letter)
    assert (result.claimed, result.queued) == (True, False)
    assert await redis.zcard(QUEUE_NAME) == 1
    assert await redis.get(dirty_key(JOB_ID)) == b"1"  # the running job will go round again
    assert await letters.count_open() == 0
