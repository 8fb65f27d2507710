"""The producer schedules the read-back: every interval, and once after the last clinic closed."""

from __future__ import annotations

from datetime import date, datetime

import redis.asyncio as aioredis

from core.keys import RECONCILE_LAST, reconcile_job_id
from core.khanza.bookings import load_window
from core.settings import Settings
from producers.loop import open_producer
from producers.reconcile import last_session_end

DAY = date(2025, 1, 15)  # long past: its clinics have closed


async def queued(redis: aioredis.Redis) -> set[str]:
    return {m.decode() for m in await redis.zrange("simrs-bridge:queue", 0, -1)}


async def test_interval_and_closing_runs_are_queued_once(
    bridge_settings: Settings, redis: aioredis.Redis,
) -> None:
    settings = bridge_settings.model_copy(update={"reconcile_interval": 30.0})
    async with open_producer(settings) as producer:
        first = await producer.cycle(today=DAY)
        assert first.enqueued.get("bpjs_reconcile") == 1
        assert reconcile_job_id(DAY) in await queued(redis)
        ttl = await redis.ttl(RECONCILE_LAST)
        assert 29 * 60 < ttl <= 30 * 60
        # Within the interval, and the day's closing run taken: nothing more.
        again = await producer.cycle(today=DAY)
        assert "bpjs_reconcile" not in again.enqueued
        # The interval passed and the earlier run finished: the next one is queued.
        await redis.delete(RECONCILE_LAST)
        await redis.zrem("simrs-bridge:queue", reconcile_job_id(DAY))
        await redis.delete(f"arq:job:{reconcile_job_id(DAY)}")
        later = await producer.cycle(today=DAY)
        assert later.enqueued.get("bpjs_reconcile") == 1


async def test_no_schedule_when_the_interval_is_zero(
    bridge_settings: Settings, redis: aioredis.Redis,
) -> None:
    async with open_producer(bridge_settings) as producer:  # reconcile_interval=0
        report = await producer.cycle(today=DAY)
    assert "bpjs_reconcile" not in report.enqueued
    assert not any(job.startswith("bpjs:reconcile:") for job in await queued(redis))


async def test_the_last_session_end_comes_from_jampraktek(bridge_settings: Settings) -> None:
    async with open_producer(bridge_settings) as producer, producer.khanza.acquire() as conn:
        snapshots = await load_window(conn, DAY, DAY, producer.options)
    sessions = {s.add.jampraktek for s in snapshots if s.add is not None}
    latest = max(int(j.split("-")[1].replace(":", "")) for j in sessions)
    end = last_session_end(snapshots, DAY)
    assert end is not None and end.date() == DAY
    assert end.hour * 100 + end.minute == latest
    assert last_session_end(snapshots, date(2025, 1, 16)) is None
    assert isinstance(end, datetime) and end.tzinfo is None
