"""A sample day already synced, and the dashboard serving it on a free port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiomysql
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from pydantic import SecretStr

from app.dashboard.app import create_app
from app.dashboard.metrics import AuditCounters
from core import db
from core.settings import Settings
from producers.loop import open_producer
from sandbox.fake_bpjs import RunningFake
from sandbox.fake_sirs import RunningFakeSirs
from sandbox.sample_day import DAY, preload_what_bpjs_already_has
from worker.main import build_worker

TOKEN = "operator-token-for-tests"


async def sync_sample_day(settings: Settings) -> None:
    """One producer cycle for the sample day, then a worker until the queue is empty."""
    async with open_producer(settings) as producer:
        await producer.cycle(today=DAY)
    await run_worker(settings)


async def run_worker(settings: Settings) -> None:
    worker = build_worker(settings, burst=True)
    await worker.async_run()
    await worker.close()


@dataclass
class Dashboard:
    url: str
    settings: Settings
    state: aiomysql.Pool
    redis: aioredis.Redis


@pytest.fixture
def day_settings(bridge_settings: Settings) -> Settings:
    return bridge_settings.model_copy(update={"dashboard_token": SecretStr(TOKEN)})


@pytest.fixture
async def synced(day_settings: Settings, fake_bpjs: RunningFake, fake_sirs: RunningFakeSirs,
                 redis: aioredis.Redis) -> Settings:
    await preload_what_bpjs_already_has(day_settings, fake_bpjs.state)
    await sync_sample_day(day_settings)
    return day_settings


async def serve_dashboard(settings: Settings) -> tuple[web.AppRunner, str]:
    app = create_app(settings, counters=AuditCounters(settle=0))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}/"


@pytest.fixture
async def dashboard(synced: Settings, redis: aioredis.Redis) -> AsyncIterator[Dashboard]:
    runner, url = await serve_dashboard(synced)
    state = await db.create_pool(synced.state_db_url, setting="test")
    try:
        yield Dashboard(url, synced, state, redis)
    finally:
        state.close()
        await state.wait_closed()
        await runner.cleanup()
