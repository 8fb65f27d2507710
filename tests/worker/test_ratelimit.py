"""The shared limiter against a real Redis, including two separate OS processes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from worker.ratelimit import RateLimit, UpstreamLimiter

REPO = Path(__file__).resolve().parents[2]

# One worker process: its own event loop, Redis client and limiter; waits for "go"
# on stdin so both processes start together, then prints its grant times as JSON.
_WORKER = r"""
import asyncio, json, sys, time
from redis.asyncio import Redis
from worker.ratelimit import RateLimit, UpstreamLimiter

async def main(url, count, tasks, rate, burst):
    client = Redis.from_url(url)
    limiter = UpstreamLimiter(client, "bpjs", RateLimit(rate=rate, burst=burst))
    await client.ping()
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    grants = []

    async def run(n):
        for _ in range(n):
            async with limiter.slot() as permit:
                grants.append([time.time(), permit.granted_at])

    await asyncio.gather(*(run(count // tasks) for _ in range(tasks)))
    await client.aclose()
    print(json.dumps(grants), flush=True)

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                 float(sys.argv[4]), int(sys.argv[5])))
"""


def max_in_window(times: list[float], width: float = 1.0) -> int:
    """The largest number of events inside any window ``(t - width, t]``."""
    ordered = sorted(times)
    best = start = 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - width:
            start += 1
        best = max(best, end - start + 1)
    return best


async def wait_until(predicate: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.01)


async def server_ms(redis: aioredis.Redis) -> int:
    sec, usec = await redis.time()
    return int(sec) * 1000 + int(usec) // 1000


def test_max_in_window_counts_a_sliding_window() -> None:
    assert max_in_window([0.0, 0.5, 0.99, 1.0, 1.5]) == 3
    assert max_in_window([0.0, 1.0, 2.0]) == 1


def test_rate_limit_validates() -> None:
    with pytest.raises(ValueError, match="rate"):
        RateLimit(rate=-1, burst=1)
    with pytest.raises(ValueError, match="burst"):
        RateLimit(rate=5, burst=0)
    with pytest.raises(ValueError, match="max_concurrency"):
        RateLimit(rate=None, burst=0, max_concurrency=-1)


async def test_two_processes_share_one_rate(redis_url: str) -> None:
    rate, burst, per_process = 50.0, 5, 150
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _WORKER,
            redis_url,
            str(per_process),
            "3",
            str(rate),
            str(burst),
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 10)
            assert line == b"ready\n", line
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            await proc.stdin.drain()
        outputs = [await asyncio.wait_for(proc.communicate(), 20) for proc in procs]
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    per_proc = [json.loads(out) for out, _ in outputs]
    grants = [g for grants in per_proc for g in grants]
    assert len(grants) == 2 * per_process

    client_times = [g[0] for g in grants]
    server_times = [g[1] for g in grants]
    # Never more than rate + burst started in any one second, seen by Redis and by the callers.
    assert max_in_window(server_times) <= rate + burst
    assert max_in_window(client_times) <= rate + burst
    # ... and not starved: the burst, then one grant every 1/rate seconds.
    expected = (len(grants) - burst) / rate
    duration = max(server_times) - min(server_times)
    assert expected - 0.002 <= duration <= expected + 2.0
    # Both processes drew from the one budget throughout, not one after the other.
    first, last = min(server_times), max(server_times)
    for own in per_proc:
        own_times = [g[1] for g in own]
        assert min(own_times) < first + 0.25 * duration
        assert max(own_times) > last - 0.25 * duration


async def test_burst_then_rate(redis: aioredis.Redis) -> None:
    limiter = UpstreamLimiter(redis, "sirs", RateLimit(rate=10, burst=3))
    fresh = await limiter.state()
    assert fresh["available"] == 3 and fresh["next_permit_in"] == 0
    permits = []
    for _ in range(5):
        async with limiter.slot() as permit:
            permits.append(permit)
    assert [p.waited for p in permits[:3]] == [0.0, 0.0, 0.0]
    assert permits[2].granted_at - permits[0].granted_at < 0.05
    assert permits[3].waited > 0
    # GCRA keeps a schedule: the n-th request after the burst starts no earlier
    # than n intervals after the first (a late caller does not shift later ones).
    assert permits[3].granted_at - permits[0].granted_at >= 0.1 - 0.001
    assert permits[4].granted_at - permits[0].granted_at >= 0.2 - 0.001
    after = await limiter.state()
    assert after["available"] == 0 and after["next_permit_in"] > 0
    assert set(await redis.keys("*")) == {b"simrs-bridge:ratelimit:sirs:tat"}


async def test_unlimited_touches_nothing(redis: aioredis.Redis) -> None:
    limiter = UpstreamLimiter(redis, "bpjs", RateLimit(rate=None, burst=0))
    for _ in range(50):
        async with limiter.slot() as permit:
            assert permit.lease_id is None
    assert await redis.keys("*") == []


async def test_max_concurrency_across_clients(redis_url: str, redis: aioredis.Redis) -> None:
    limit = RateLimit(rate=None, burst=0, max_concurrency=2)
    clients = [aioredis.Redis.from_url(redis_url) for _ in range(2)]
    limiters = [UpstreamLimiter(c, "bpjs", limit, lease_poll=0.01) for c in clients]
    inside = peak = 0
    held: list[int] = []
    two_inside = asyncio.Event()

    async def work(limiter: UpstreamLimiter) -> None:
        nonlocal inside, peak
        async with limiter.slot():
            inside += 1
            peak = max(peak, inside)
            if inside == 2:
                two_inside.set()
            held.append((await limiter.state())["leases_held"])
            # The upstream call: the first holders wait for a second one to get in, so a
            # loaded machine cannot make the run sequential and hide a broken limit.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(two_inside.wait(), 2)
            inside -= 1

    try:
        async with asyncio.timeout(10):  # a leaked lease would block forever
            await asyncio.gather(*(work(limiters[i % 2]) for i in range(10)))
    finally:
        for c in clients:
            await c.aclose()
    assert peak == 2
    assert len(held) == 10 and max(held) <= 2
    assert await redis.zcard("simrs-bridge:ratelimit:bpjs:leases") == 0


async def test_crashed_holder_is_purged_live_holder_blocks(redis: aioredis.Redis) -> None:
    leases = "simrs-bridge:ratelimit:bpjs:leases"
    limiter = UpstreamLimiter(
        redis, "bpjs", RateLimit(rate=None, burst=0, max_concurrency=1), lease_poll=0.01
    )
    await redis.zadd(leases, {"sigkilled-worker": await server_ms(redis) - 1000})
    assert (await limiter.state())["leases_expired"] == 1
    async with asyncio.timeout(2):
        async with limiter.slot():
            state = await limiter.state()
            assert (state["leases_held"], state["leases_expired"]) == (1, 0)
    assert await redis.zscore(leases, "sigkilled-worker") is None

    await redis.zadd(leases, {"busy-worker": await server_ms(redis) + 60_000})
    entered = asyncio.Event()

    async def enter() -> None:
        async with limiter.slot():
            entered.set()

    task = asyncio.create_task(enter())
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(entered.wait()), 0.3)
    await redis.zrem(leases, "busy-worker")
    await asyncio.wait_for(task, 2)
    assert entered.is_set()


async def test_cancel_and_errors_release_the_lease(redis: aioredis.Redis) -> None:
    leases = "simrs-bridge:ratelimit:sirs:leases"
    limiter = UpstreamLimiter(
        redis, "sirs", RateLimit(rate=100, burst=5, max_concurrency=1), lease_poll=0.01
    )
    entered = asyncio.Event()

    async def hold_forever() -> None:
        async with limiter.slot():
            entered.set()
            await asyncio.Event().wait()

    holder = asyncio.create_task(hold_forever())
    await asyncio.wait_for(entered.wait(), 2)
    assert await redis.zcard(leases) == 1

    waiter = asyncio.create_task(hold_forever())  # queued behind the holder
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(waiter), 0.2)
    waiter.cancel()
    holder.cancel()
    for task in (holder, waiter):
        with pytest.raises(asyncio.CancelledError):
            await task
    assert await redis.zcard(leases) == 0

    with pytest.raises(ValueError, match="boom"):
        async with limiter.slot():
            raise ValueError("boom")
    assert await redis.zcard(leases) == 0
    async with asyncio.timeout(2), limiter.slot():
        assert await redis.zcard(leases) == 1


async def test_long_holder_keeps_its_lease(redis: aioredis.Redis) -> None:
    leases = "simrs-bridge:ratelimit:bpjs:leases"
    limiter = UpstreamLimiter(
        redis, "bpjs", RateLimit(rate=None, burst=0, max_concurrency=1), lease_ttl=0.3
    )
    async with limiter.slot() as permit:
        assert permit.lease_id is not None
        first_expiry = await redis.zscore(leases, permit.lease_id)
        assert first_expiry is not None

        async def past_first_expiry() -> bool:
            return bool(await server_ms(redis) > first_expiry + 50)

        await wait_until(past_first_expiry, timeout=3)
        expiry = await redis.zscore(leases, permit.lease_id)
        assert expiry is not None and expiry > await server_ms(redis)
        assert (await limiter.state())["leases_held"] == 1
    assert await redis.zcard(leases) == 0
