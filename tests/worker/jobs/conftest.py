"""Services against the real fakes, a job ctx, and a burst worker that knows the inbox jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from arq import func
from arq.worker import Worker

from core.keys import SIRS_KEBUTUHAN, SIRS_SHK
from core.settings import Settings
from worker.jobs.kebutuhan import sirs_kebutuhan
from worker.jobs.shk import sirs_shk
from worker.main import build_worker
from worker.services import Services, open_services


@pytest.fixture
async def services(bridge_settings: Settings, redis: aioredis.Redis) -> AsyncIterator[Services]:
    """What a worker's on_startup builds (state database migrated), on a flushed Redis."""
    opened = await open_services(bridge_settings)
    yield opened
    await opened.close()


@pytest.fixture
def ctx(services: Services) -> Callable[..., dict[str, Any]]:
    def make(job_try: int = 1, job_id: str = "test") -> dict[str, Any]:
        return {"services": services, "job_try": job_try, "job_id": job_id}

    return make


def inbox_worker(settings: Settings) -> Worker:
    """``build_worker`` plus the inbox jobs, as worker/main.py will list them."""
    worker = build_worker(settings, burst=True)
    tries = settings.job_max_tries + 1
    for function in (func(sirs_kebutuhan, name=SIRS_KEBUTUHAN, keep_result=0, max_tries=tries),
                     func(sirs_shk, name=SIRS_SHK, keep_result=0, max_tries=tries)):
        worker.functions[function.name] = function
    return worker


RunBurst = Callable[[], Awaitable[Worker]]


@pytest.fixture
def run_burst(bridge_settings: Settings) -> RunBurst:
    """Run a burst worker (the inbox jobs included) until the queue is empty."""

    async def run() -> Worker:
        worker = inbox_worker(bridge_settings)
        await worker.async_run()
        await worker.close()
        return worker

    return run
