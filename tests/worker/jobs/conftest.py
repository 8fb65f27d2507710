"""Services against the real fakes, a job ctx, and a burst worker that knows the inbox jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from arq.worker import Worker

from core.settings import Settings
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


RunBurst = Callable[[], Awaitable[Worker]]


@pytest.fixture
def run_burst(bridge_settings: Settings) -> RunBurst:
    """Run the daemon's own worker in burst mode until the queue is empty."""

    async def run() -> Worker:
        worker = build_worker(bridge_settings, burst=True)
        await worker.async_run()
        await worker.close()
        return worker

    return run
