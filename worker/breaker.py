"""A circuit breaker per upstream whose state all worker processes share.

When BPJS or RS Online is down, every job that tries fails after a timeout,
ties up a worker and adds load to a service that is trying to come back. The
breaker notices (``failure_threshold`` transport failures in a row, or at least
``failure_ratio`` of at least ``min_calls`` calls within ``window`` seconds),
then fails calls fast with ``CircuitOpenError`` (a ``RetryableError``, so jobs
simply retry later) and lets ONE caller through after a cool-down as the probe.
A probe that succeeds closes the breaker; one that fails doubles the cool-down,
up to a cap, so a long outage is probed rarely. A ratio, not a count: a busy
day with a steady few percent of timeouts must not look like an outage.

The state lives in Redis, not in process memory: a breaker opened by one worker
is open for all of them, and exactly one probe runs across all machines (a
``SET NX`` lock with a TTL, so a probe whose worker dies does not block probing
forever). Every transition is one Lua script using Redis ``TIME``, so the
decision is atomic and independent of the machines' clocks.

The healthy path costs no round trip: each process keeps the shared state it
last saw for ``cache_ttl`` seconds. While that view is "closed, no failures
since the last success", a call is admitted and its success only counted in
memory; the count reaches Redis with the next refresh (at most one round trip
per ``cache_ttl`` per process) or with the next failure. A failure always goes
to Redis at once and refreshes the view, so the success after it resets the
shared count. A breaker opened by another process therefore stops this one
within ``cache_ttl``; "in a row" spans processes only as far as their views
are fresh (a success a process counts in memory does not reset a run of
failures another process is seeing — within a second it sees them and does).

Only transport trouble counts as failure (``RetryableError``: network, timeout,
5xx, 429, HTML pages). An upstream business rejection (``PermanentError``,
``FixThenRetryError``, ``BlockedError``) proves the service is answering, so it
counts as success.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, ParamSpec, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.errors import RetryableError, UpstreamError
from core.keys import BREAKER_PREFIX
from core.settings import Settings
from worker.breaker_scripts import ADMIT, FAILURE, RELEASE_PROBE, SLOTS, SUCCESS, SYNC

__all__ = ["BreakerConfig", "CircuitBreaker", "CircuitOpenError"]

logger = logging.getLogger(__name__)

_REASON_MAX = 300

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class BreakerConfig:
    """When to open and how to probe.

    Opens after ``failure_threshold`` failures in a row, or when at least
    ``failure_ratio`` of at least ``min_calls`` calls within ``window`` seconds
    failed (``failure_ratio`` 0 disables that rule). ``cache_ttl`` is how long a
    process trusts the shared state it last saw (0: ask Redis on every call).

    The defaults keep a noisy but working upstream closed: at a steady 30 %
    random failure rate, 10 in a row happen about once per 170,000 calls, and the
    ratio rule's chance to fire on a fresh window is about 0.8 % with 40 calls
    (it is about 6 % with 20, which is why the minimum is not lower).
    """

    failure_threshold: int = 10
    window: float = 60.0
    min_calls: int = 40
    failure_ratio: float = 0.5
    cooldown: float = 15.0
    max_cooldown: float = 300.0
    probe_timeout: float = 60.0
    cache_ttl: float = 1.0

    def __post_init__(self) -> None:
        if self.failure_threshold < 1 or self.min_calls < 1:
            raise ValueError("failure_threshold and min_calls must be at least 1")
        if not 0 <= self.failure_ratio <= 1:
            raise ValueError("failure_ratio must be between 0 and 1")
        if self.window <= 0 or self.cooldown <= 0 or self.probe_timeout <= 0:
            raise ValueError("window, cooldown and probe_timeout must be positive")
        if self.max_cooldown < self.cooldown:
            raise ValueError("max_cooldown must be at least cooldown")
        if self.cache_ttl < 0:
            raise ValueError("cache_ttl must not be negative")

    @classmethod
    def from_settings(cls, settings: Settings) -> BreakerConfig:
        return cls(
            failure_threshold=settings.breaker_failures, window=settings.breaker_window,
            min_calls=settings.breaker_min_calls, failure_ratio=settings.breaker_failure_ratio,
            cooldown=settings.breaker_cooldown, max_cooldown=settings.breaker_max_cooldown,
            probe_timeout=settings.breaker_probe_timeout, cache_ttl=settings.breaker_cache,
        )

    @property
    def bucket_ms(self) -> int:
        return max(1, math.ceil(self.window * 1000 / SLOTS))


class CircuitOpenError(RetryableError):
    """The upstream is considered down: the call was not made."""

    def __init__(
        self,
        *,
        service: str,
        until: datetime,
        trip: str,
        last_reason: str,
        retry_after: float,
        probing: bool = False,
    ) -> None:
        when = "probe in flight" if probing else f"until {until:%H:%M:%S}"
        super().__init__(f"circuit open {when} after {trip}: {last_reason}", service=service)
        self.until = until
        self.trip = trip
        self.last_reason = last_reason
        self.retry_after = retry_after


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class CircuitBreaker:
    """The breaker for one upstream (``"bpjs"`` or ``"sirs"``); one per process is
    enough, all of them share the state in Redis. ``zone`` is used only to show
    the reopening time in messages (defaults to the machine's local zone)."""

    def __init__(
        self,
        redis: Redis,
        upstream: str,
        config: BreakerConfig | None = None,
        *,
        zone: tzinfo | None = None,
    ) -> None:
        self.redis = redis
        self.upstream = upstream
        self.config = config or BreakerConfig()
        self.zone = zone
        self.key = f"{BREAKER_PREFIX}:{upstream}"
        self.probe_key = f"{self.key}:probe"
        self.window_key = f"{self.key}:window"
        self._sync = redis.register_script(SYNC)
        self._admit = redis.register_script(ADMIT)
        self._failure = redis.register_script(FAILURE)
        self._success = redis.register_script(SUCCESS)
        self._release_probe = redis.register_script(RELEASE_PROBE)
        # The cached view of the shared state, and until when it is trusted.
        self._closed = False
        self._failures = 0
        self._fresh_until = 0.0
        self._counted = 0  # successes not yet added to the shared window
        self._refresh: asyncio.Future[None] | None = None

    def _see(self, state: str, failures: int) -> None:
        self._closed = state != "open"
        self._failures = failures
        self._fresh_until = time.monotonic() + self.config.cache_ttl

    async def _closed_view(self) -> bool:
        """True when the cached view (refreshed if stale) says closed: admit locally."""
        if self.config.cache_ttl <= 0:
            return False
        if time.monotonic() >= self._fresh_until:
            if self._refresh is None:
                self._refresh = asyncio.ensure_future(self._refresh_view())
            await asyncio.shield(self._refresh)
        return self._closed

    async def _refresh_view(self) -> None:
        counted, self._counted = self._counted, 0
        try:
            state, failures = await self._sync(keys=[self.key, self.window_key],
                                               args=[self.config.bucket_ms, counted])
        except BaseException:
            self._counted += counted
            raise
        finally:
            self._refresh = None
        self._see(_text(state), int(failures))

    @contextlib.asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        """Run the body unless the circuit is open; record how it went.

        Raises ``CircuitOpenError`` without running the body while open. Other
        exceptions from the body propagate unchanged after being recorded.
        """
        probe, token = False, ""
        if not await self._closed_view():
            token = uuid.uuid4().hex
            probe = await self._enter(token)
        try:
            yield
        except CircuitOpenError:
            # Another breaker's verdict says nothing about this upstream.
            await self._give_up_probe(probe, token)
            raise
        except RetryableError as exc:
            await self.record_failure(f"{exc.code}: {exc.message}" if exc.code else exc.message)
            raise
        except UpstreamError:
            await self._succeeded(probe)
            raise
        except BaseException:
            await self._give_up_probe(probe, token)
            raise
        else:
            await self._succeeded(probe)

    async def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """``await fn(*args, **kwargs)`` under ``guard()``."""
        async with self.guard():
            return await fn(*args, **kwargs)

    async def _succeeded(self, probe: bool) -> None:
        healthy = self._closed and not self._failures
        if not probe and healthy and time.monotonic() < self._fresh_until:
            self._counted += 1  # reaches Redis with the next refresh or failure
        else:
            await self.record_success()

    async def _enter(self, token: str) -> bool:
        """Admit the caller (True if it is the probe) or raise ``CircuitOpenError``."""
        probe_ttl_ms = math.ceil(self.config.probe_timeout * 1000)
        verdict = await self._admit(keys=[self.key, self.probe_key], args=[token, probe_ttl_ms])
        kind = _text(verdict[0])
        if kind == "allow":
            self._see("closed", int(verdict[1]))
            return False
        if kind == "probe":
            logger.info("%s: circuit open, probing the upstream", self.upstream)
            return True
        self._see("open", 0)
        next_probe_ms, trip, reason, now_ms = verdict[1:]
        next_probe_s = int(next_probe_ms) / 1000
        probing = int(now_ms) >= int(next_probe_ms)
        raise CircuitOpenError(
            service=self.upstream,
            until=datetime.fromtimestamp(next_probe_s, tz=self.zone).astimezone(self.zone),
            trip=_text(trip),
            last_reason=_text(reason),
            retry_after=1.0 if probing else (int(next_probe_ms) - int(now_ms)) / 1000,
            probing=probing,
        )

    async def _give_up_probe(self, probe: bool, token: str) -> None:
        if not probe:
            return
        try:
            await self._release_probe(keys=[self.probe_key], args=[token])
        except RedisError as exc:
            logger.warning("%s: could not release the probe lock: %s", self.upstream, exc)

    async def record_failure(self, reason: str) -> None:
        """Count a transport failure (timeout, reset, 5xx, 429, HTML page)."""
        config = self.config
        reason = reason[:_REASON_MAX]
        counted, self._counted = self._counted, 0
        try:
            change, cooldown_ms, failures = await self._failure(
                keys=[self.key, self.probe_key, self.window_key],
                args=[config.bucket_ms, counted, reason, config.failure_threshold,
                      config.min_calls, config.failure_ratio, math.ceil(config.cooldown * 1000),
                      math.ceil(config.max_cooldown * 1000)],
            )
        except RedisError as exc:
            # The upstream's outcome matters more than the breaker's bookkeeping.
            self._counted += counted
            self._fresh_until = 0.0
            logger.warning("%s: could not record a failure: %s", self.upstream, exc)
            return
        change = _text(change)
        self._see("closed" if change == "closed" else "open", int(failures))
        if change in ("opened", "reopened"):
            what = "circuit opened" if change == "opened" else "probe failed, circuit stays open"
            logger.warning("%s: %s for %.1fs: %s", self.upstream, what, int(cooldown_ms) / 1000,
                           reason)

    async def record_success(self) -> None:
        """Count an answer from the upstream (including a business rejection)."""
        counted, self._counted = self._counted, 0
        try:
            closed, state, failures = await self._success(
                keys=[self.key, self.probe_key, self.window_key],
                args=[self.config.bucket_ms, counted + 1])
        except RedisError as exc:
            self._counted += counted
            self._fresh_until = 0.0
            logger.warning("%s: could not record a success: %s", self.upstream, exc)
            return
        self._see(_text(state), int(failures))
        if closed:
            logger.info("%s: upstream answered, circuit closed", self.upstream)

    async def flush(self) -> None:
        """Add the successes counted in memory to the shared window (on shutdown)."""
        if self._counted:
            self._fresh_until = 0.0
            with contextlib.suppress(RedisError):
                await self._closed_view()

    async def state(self) -> dict[str, Any]:
        """The shared state for the dashboard and /metrics (read-only).

        Times are epoch seconds (Redis server clock); ``state`` is ``closed``,
        ``open`` or ``half_open`` (a probe is in flight). ``window_calls`` and
        ``window_failures`` are what the ratio rule sees now (successes a process
        counted in memory arrive within ``cache_ttl``).
        """
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.time()
            pipe.hgetall(self.key)
            pipe.exists(self.probe_key)
            pipe.hgetall(self.window_key)
            (sec, usec), raw, probing, ring = await pipe.execute()
        now_ms = int(sec) * 1000 + int(usec) // 1000
        fields = {_text(k): _text(v) for k, v in raw.items()}
        is_open = fields.get("state") == "open"
        slots = {_text(k): int(v) for k, v in ring.items()}
        bucket = now_ms // self.config.bucket_ms
        live = [s for s in range(SLOTS) if slots.get(f"t{s}", -1) > bucket - SLOTS]

        def seconds(name: str) -> float | None:
            return int(fields[name]) / 1000 if name in fields else None

        return {
            "upstream": self.upstream,
            "state": ("half_open" if probing else "open") if is_open else "closed",
            "failures": int(fields.get("failures", 0)),
            "window_calls": sum(slots.get(f"c{s}", 0) for s in live),
            "window_failures": sum(slots.get(f"f{s}", 0) for s in live),
            "opened_at": seconds("opened_at_ms") if is_open else None,
            "next_probe_at": seconds("next_probe_ms") if is_open else None,
            "cooldown": seconds("cooldown_ms") if is_open else None,
            "trip": fields.get("trip") if is_open else None,
            "last_reason": fields.get("last_reason"),
            "last_failure_at": seconds("last_failure_ms"),
            "now": now_ms / 1000,
        }
