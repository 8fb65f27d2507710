"""The shared circuit breaker against a real Redis."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as aioredis

from core.errors import ConfigError, FixThenRetryError, PermanentError, RetryableError
from core.settings import load_settings
from worker.breaker import BreakerConfig, CircuitBreaker, CircuitOpenError


class FakeUpstream:
    """Counts the calls that got through the breaker and answers as told."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()

    async def down(self) -> str:
        self.calls += 1
        raise RetryableError("POST /antrean/add: HTTP 503 (Service Unavailable)", service="bpjs")

    async def up(self) -> str:
        self.calls += 1
        return "ok"

    async def rejects(self) -> str:
        self.calls += 1
        raise PermanentError("Rujukan tidak valid", service="bpjs", code="201")

    async def slow_up(self) -> str:
        self.calls += 1
        await self.release.wait()
        return "ok"


async def wait_until(predicate: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.01)


async def probe_due(breaker: CircuitBreaker) -> None:
    async def due() -> bool:
        state = await breaker.state()
        return bool(state["state"] == "open" and state["now"] >= state["next_probe_at"])

    await wait_until(due)


@pytest.fixture
async def other_client(redis_url: str, redis: aioredis.Redis) -> AsyncIterator[aioredis.Redis]:
    """A second connection, as another worker process would have."""
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_opens_after_consecutive_failures_and_fails_fast(
    redis: aioredis.Redis, other_client: aioredis.Redis
) -> None:
    config = BreakerConfig(failure_threshold=3, cooldown=30)
    breaker = CircuitBreaker(redis, "bpjs", config)
    elsewhere = CircuitBreaker(other_client, "bpjs", config)
    upstream = FakeUpstream()
    for _ in range(3):
        assert (await breaker.state())["state"] == "closed"
        with pytest.raises(RetryableError) as caught:
            await breaker.call(upstream.down)
        assert not isinstance(caught.value, CircuitOpenError)

    state = await elsewhere.state()
    assert state["state"] == "open"
    assert state["failures"] == 3
    assert state["trip"] == "3 consecutive failures"
    assert state["last_reason"] == "POST /antrean/add: HTTP 503 (Service Unavailable)"
    assert state["next_probe_at"] - state["opened_at"] == pytest.approx(30)

    for _ in range(5):
        with pytest.raises(CircuitOpenError) as rejected:
            await elsewhere.call(upstream.up)
    assert upstream.calls == 3  # nothing reached the upstream while open
    error = rejected.value
    assert error.service == "bpjs" and error.outcome.value == "retry"
    assert re.fullmatch(
        r"circuit open until \d\d:\d\d:\d\d after 3 consecutive failures: "
        r"POST /antrean/add: HTTP 503 \(Service Unavailable\)",
        error.message,
    )
    assert 25 < error.retry_after <= 30
    assert isinstance(error, RetryableError)


async def test_one_probe_among_racing_callers_then_closes(
    redis: aioredis.Redis, other_client: aioredis.Redis
) -> None:
    config = BreakerConfig(failure_threshold=1, cooldown=0.2)
    breakers = [CircuitBreaker(c, "sirs", config) for c in (redis, other_client)]
    upstream = FakeUpstream()
    with pytest.raises(RetryableError):
        await breakers[0].call(upstream.down)
    with pytest.raises(CircuitOpenError):
        await breakers[1].call(upstream.up)
    await probe_due(breakers[0])

    tasks = [asyncio.create_task(breakers[i % 2].call(upstream.slow_up)) for i in range(20)]

    async def all_but_one_done() -> bool:
        return sum(t.done() for t in tasks) == 19

    await wait_until(all_but_one_done)
    assert upstream.calls == 2  # the failure that opened it, and one probe
    rejected = [t.exception() for t in tasks if t.done()]
    assert all(isinstance(e, CircuitOpenError) for e in rejected)
    assert all("probe in flight" in str(e) for e in rejected)
    assert (await breakers[1].state())["state"] == "half_open"

    upstream.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results.count("ok") == 1
    state = await breakers[1].state()
    assert (state["state"], state["failures"], state["next_probe_at"]) == ("closed", 0, None)
    assert await breakers[1].call(upstream.up) == "ok"
    assert upstream.calls == 3


async def test_failed_probe_doubles_the_cooldown_up_to_the_cap(redis: aioredis.Redis) -> None:
    breaker = CircuitBreaker(
        redis, "bpjs", BreakerConfig(failure_threshold=1, cooldown=0.2, max_cooldown=0.5)
    )
    upstream = FakeUpstream()
    with pytest.raises(RetryableError):
        await breaker.call(upstream.down)
    assert (await breaker.state())["cooldown"] == 0.2

    for expected in (0.4, 0.5):
        await probe_due(breaker)
        with pytest.raises(RetryableError) as probe_failed:
            await breaker.call(upstream.down)
        assert not isinstance(probe_failed.value, CircuitOpenError)
        state = await breaker.state()
        assert state["state"] == "open"
        assert state["cooldown"] == expected
        assert state["next_probe_at"] - state["last_failure_at"] == pytest.approx(expected)
        calls = upstream.calls
        with pytest.raises(CircuitOpenError):
            await breaker.call(upstream.up)
        assert upstream.calls == calls

    await probe_due(breaker)
    assert await breaker.call(upstream.up) == "ok"
    assert (await breaker.state())["state"] == "closed"


async def test_business_rejection_counts_as_success(redis: aioredis.Redis) -> None:
    breaker = CircuitBreaker(redis, "bpjs", BreakerConfig(failure_threshold=3, cooldown=0.2))
    upstream = FakeUpstream()
    for _ in range(2):
        with pytest.raises(RetryableError):
            await breaker.call(upstream.down)
    with pytest.raises(PermanentError):
        await breaker.call(upstream.rejects)
    assert (await breaker.state())["failures"] == 0
    for _ in range(2):
        with pytest.raises(RetryableError):
            await breaker.call(upstream.down)
    assert (await breaker.state())["state"] == "closed"

    with pytest.raises(RetryableError):
        await breaker.call(upstream.down)
    assert (await breaker.state())["state"] == "open"
    await probe_due(breaker)
    with pytest.raises(FixThenRetryError):
        async with breaker.guard():
            raise FixThenRetryError("Kode Booking tidak ditemukan", service="bpjs")
    assert (await breaker.state())["state"] == "closed"


async def test_a_failure_ratio_over_enough_calls_opens_it(redis: aioredis.Redis) -> None:
    config = BreakerConfig(failure_threshold=100, window=10, min_calls=10, failure_ratio=0.5,
                           cooldown=5)
    breaker = CircuitBreaker(redis, "sirs", config)
    for i in range(4):  # 4 of 8 failed: half, but fewer calls than the minimum
        await breaker.record_success()
        await breaker.record_failure(f"reset {i}")
    assert (await breaker.state())["state"] == "closed"
    for _ in range(22):
        await breaker.record_success()
    state = await breaker.state()
    assert (state["window_calls"], state["window_failures"]) == (30, 4)
    for i in range(11):  # 15 of 41 failed: not yet half
        assert (await breaker.state())["state"] == "closed"
        await breaker.record_failure(f"timeout {i}")
    assert (await breaker.state())["state"] == "closed"
    for i in range(11):  # 26 of 52
        assert (await breaker.state())["state"] == "closed"
        await breaker.record_failure(f"HTTP 503 {i}")
    state = await breaker.state()
    assert state["state"] == "open"
    assert state["trip"] == "26 of 52 calls failed in 10 s"
    assert state["last_reason"] == "HTTP 503 10"
    # An answer to a call that started before the trip does not close it before the probe.
    await breaker.record_success()
    assert (await breaker.state())["state"] == "open"


async def test_a_steady_thirty_percent_of_failures_keeps_it_closed(
    redis: aioredis.Redis,
) -> None:
    """Three calls in ten fail, never three in a row: an upstream that mostly answers."""
    config = BreakerConfig(failure_threshold=3, min_calls=20, failure_ratio=0.5, cache_ttl=60)
    breaker = CircuitBreaker(redis, "bpjs", config)
    upstream = FakeUpstream()
    for n in range(300):
        call = upstream.down if n % 10 in (0, 4, 7) else upstream.up
        with contextlib.suppress(RetryableError):
            await breaker.call(call)
    assert upstream.calls == 300  # none was refused
    await breaker.flush()
    state = await breaker.state()
    assert state["state"] == "closed"
    # Successes counted in memory reached the shared window with the failures after them.
    assert (state["window_calls"], state["window_failures"]) == (300, 90)


def commands(stats: dict[str, dict[str, int]]) -> dict[str, int]:
    """Redis commands run since CONFIG RESETSTAT, other than the counting itself."""
    return {name.removeprefix("cmdstat_"): row["calls"] for name, row in stats.items()
            if not name.startswith(("cmdstat_info", "cmdstat_config"))}


async def test_healthy_calls_need_no_redis_round_trip(redis: aioredis.Redis) -> None:
    breaker = CircuitBreaker(redis, "bpjs", BreakerConfig(cache_ttl=60))
    upstream = FakeUpstream()
    assert await breaker.call(upstream.up) == "ok"  # the first call reads the shared state
    await redis.config_resetstat()
    for _ in range(100):
        assert await breaker.call(upstream.up) == "ok"
    assert commands(await redis.info("commandstats")) == {}

    # A failure is recorded at once; the success after it resets the shared count.
    with pytest.raises(RetryableError):
        await breaker.call(upstream.down)
    assert (await breaker.state())["failures"] == 1
    assert await breaker.call(upstream.up) == "ok"
    assert (await breaker.state())["failures"] == 0
    await redis.config_resetstat()
    for _ in range(100):
        assert await breaker.call(upstream.up) == "ok"
    assert commands(await redis.info("commandstats")) == {}
    await breaker.flush()
    assert (await breaker.state())["window_calls"] == 203


async def test_an_open_circuit_elsewhere_stops_this_process_within_the_cache_time(
    redis: aioredis.Redis, other_client: aioredis.Redis
) -> None:
    config = BreakerConfig(failure_threshold=1, cooldown=30, cache_ttl=0.3)
    here = CircuitBreaker(redis, "sirs", config)
    elsewhere = CircuitBreaker(other_client, "sirs", config)
    upstream = FakeUpstream()
    assert await here.call(upstream.up) == "ok"
    await elsewhere.record_failure("HTTP 503")
    opened = time.monotonic()
    deadline = opened + 5
    while True:
        try:
            await here.call(upstream.up)
        except CircuitOpenError:
            break
        assert time.monotonic() < deadline, "still admitting calls"
        await asyncio.sleep(0.01)
    assert time.monotonic() - opened < 0.3 + 0.2


def test_the_rule_comes_from_settings(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in (("FAILURES", "7"), ("WINDOW", "30"), ("MIN_CALLS", "25"),
                        ("FAILURE_RATIO", "0.6"), ("COOLDOWN", "5"), ("MAX_COOLDOWN", "60"),
                        ("CACHE", "0.5")):
        clean_env.setenv(f"SIMRS_BRIDGE_BREAKER_{name}", value)
    config = BreakerConfig.from_settings(load_settings())
    assert config == BreakerConfig(failure_threshold=7, window=30, min_calls=25,
                                   failure_ratio=0.6, cooldown=5, max_cooldown=60,
                                   cache_ttl=0.5)
    clean_env.setenv("SIMRS_BRIDGE_BREAKER_FAILURE_RATIO", "1.5")
    with pytest.raises(ConfigError, match="SIMRS_BRIDGE_BREAKER_FAILURE_RATIO"):
        load_settings()


async def test_probe_without_an_answer_frees_the_probe(redis: aioredis.Redis) -> None:
    breaker = CircuitBreaker(redis, "bpjs", BreakerConfig(failure_threshold=1, cooldown=0.2))
    await breaker.record_failure("timeout")
    await probe_due(breaker)

    async def cancelled_probe() -> None:
        async with breaker.guard():
            await asyncio.Event().wait()

    probe = asyncio.create_task(cancelled_probe())

    async def half_open() -> bool:
        return bool((await breaker.state())["state"] == "half_open")

    await wait_until(half_open)
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    state = await breaker.state()
    assert (state["state"], state["cooldown"]) == ("open", 0.2)  # no answer: no back-off

    with pytest.raises(ValueError, match="bug"):
        async with breaker.guard():
            raise ValueError("bug in our code")
    upstream = FakeUpstream()
    assert await breaker.call(upstream.up) == "ok"  # the next caller may probe at once
    assert (await breaker.state())["state"] == "closed"
