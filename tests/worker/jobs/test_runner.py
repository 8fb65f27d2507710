"""The keyed-job runner on a real arq worker and Redis: no change is lost around a job's end."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from arq import func

from core.keys import dirty_key
from core.queue import enqueue, open_queue
from core.settings import Settings
from worker.jobs.runner import run_keyed
from worker.main import build_worker

NAME, JOB_ID = "test_keyed", "test:keyed:1"


def counting_job(passes: list[str]) -> Any:
    async def job(ctx: dict[str, Any], key: str) -> str:
        async def one_pass(force: bool) -> str:
            passes.append(key)
            return f"pass {len(passes)}"

        return await run_keyed(ctx, NAME, [key], JOB_ID, one_pass)

    return job


async def run_burst(settings: Settings, passes: list[str], late_changes: int) -> int:
    """Queue the job once and run a burst worker; ``late_changes`` runs see a change after
    their last check (what a producer's enqueue does while arq still holds the id)."""
    queue = await open_queue(settings.redis_url)
    try:
        assert await enqueue(queue, NAME, "1", job_id=JOB_ID)
        worker = build_worker(settings, burst=True)
        worker.functions[NAME] = func(counting_job(passes), name=NAME, keep_result=0)
        left = [late_changes]

        async def change_after_last_check(ctx: dict[str, Any]) -> None:
            if left[0] > 0:
                left[0] -= 1
                await queue.set(dirty_key(JOB_ID), b"1")

        worker.on_job_end = change_after_last_check  # runs after the pass, before arq finishes
        await worker.async_run()
        await worker.close()
        return worker.jobs_complete
    finally:
        await queue.aclose()


async def test_a_change_after_the_last_check_runs_the_job_again(
    bridge_settings: Settings, redis: aioredis.Redis,
) -> None:
    passes: list[str] = []
    assert await run_burst(bridge_settings, passes, late_changes=1) == 2
    assert passes == ["1", "1"]
    assert not await redis.exists(dirty_key(JOB_ID))


async def test_no_late_change_no_second_run(
    bridge_settings: Settings, redis: aioredis.Redis,
) -> None:
    passes: list[str] = []
    assert await run_burst(bridge_settings, passes, late_changes=0) == 1
    assert passes == ["1"]
    assert not await redis.exists(dirty_key(JOB_ID))


async def test_enqueue_marks_the_id_before_asking_arq(
    bridge_settings: Settings, redis: aioredis.Redis,
) -> None:
    """Refused or not, the flag is set: a running job (or its end) will see it."""
    queue = await open_queue(bridge_settings.redis_url)
    try:
        assert await enqueue(queue, NAME, "1", job_id=JOB_ID) is True
        await redis.delete(dirty_key(JOB_ID))  # what the job does when it starts
        assert await enqueue(queue, NAME, "1", job_id=JOB_ID) is False  # still queued
        assert await redis.exists(dirty_key(JOB_ID))
    finally:
        await queue.aclose()
