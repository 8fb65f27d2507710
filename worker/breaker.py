"""A circuit breaker per upstream whose state all worker processes share.

When BPJS or RS Online is down, every job that tries fails after a timeout,
ties up a worker and adds load to a service that is trying to come back. The
breaker notices (N consecutive retryable failures, or too many within a time
window), then fails calls fast with ``CircuitOpenError`` (a ``RetryableError``,
so jobs simply retry later) and lets ONE caller through after a cool-down as
the probe. A probe that succeeds closes the breaker; one that fails doubles the
cool-down, up to a cap, so a long outage is probed rarely.

The state lives in Redis, not in process memory: a breaker opened by one worker
is open for all of them, and exactly one probe runs across all machines (a
``SET NX`` lock with a TTL, so a probe whose worker dies does not block probing
forever). Every transition is one Lua script using Redis ``TIME``, so the
decision is atomic and independent of the machines' clocks.

Only transport trouble counts as failure (``RetryableError``: network, timeout,
5xx, 429, HTML pages). An upstream business rejection (``PermanentError``,
``FixThenRetryError``, ``BlockedError``) proves the service is answering, so it
counts as success.
"""

from __future__ import annotations

import contextlib
import logging
import math
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, ParamSpec, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from .errors import RetryableError, UpstreamError

__all__ = ["KEY_PREFIX", "BreakerConfig", "CircuitBreaker", "CircuitOpenError"]

logger = logging.getLogger(__name__)

KEY_PREFIX = "simrs-bridge:breaker"
_REASON_MAX = 300

P = ParamSpec("P")
T = TypeVar("T")

_CLOCK = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function int(n) return string.format('%.0f', n) end
"""


def _clocked(body: str) -> str:
    """Prefix a script with ``now_ms`` from Redis TIME and an ``int()`` that keeps
    13-digit millisecond values exact (Lua prints numbers with 14 significant digits)."""
    return _CLOCK + body


# KEYS: state hash, probe lock.  ARGV: token, probe_ttl_ms.
# Returns {'allow'} | {'probe'} | {'reject', next_probe_ms, trip, last_reason, now_ms}.
_ADMIT = _clocked("""
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return {'allow'} end
local next_probe = tonumber(redis.call('HGET', KEYS[1], 'next_probe_ms') or '0')
if now_ms >= next_probe and redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {'probe'}
end
local trip = redis.call('HGET', KEYS[1], 'trip') or ''
local reason = redis.call('HGET', KEYS[1], 'last_reason') or ''
return {'reject', next_probe, trip, reason, now_ms}
""")

# KEYS: state hash, probe lock, failure window.  ARGV: reason, member, threshold,
# window_ms, window_failures, cooldown_ms, max_cooldown_ms.
# Returns {'closed' | 'open' | 'opened' | 'reopened', cooldown_ms}.
_FAILURE = _clocked("""
local window_ms = tonumber(ARGV[4])
redis.call('ZADD', KEYS[3], int(now_ms), ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now_ms - window_ms)
redis.call('PEXPIRE', KEYS[3], window_ms)
local in_window = redis.call('ZCARD', KEYS[3])
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('HSET', KEYS[1], 'last_reason', ARGV[1], 'last_failure_ms', int(now_ms))
if redis.call('HGET', KEYS[1], 'state') == 'open' then
  local next_probe = tonumber(redis.call('HGET', KEYS[1], 'next_probe_ms') or '0')
  if now_ms < next_probe then return {'open', 0} end
  -- A failure once probing is due is the probe's answer: still down, back off.
  local cooldown = tonumber(redis.call('HGET', KEYS[1], 'cooldown_ms') or ARGV[6])
  cooldown = math.min(cooldown * 2, tonumber(ARGV[7]))
  redis.call('HSET', KEYS[1], 'cooldown_ms', int(cooldown), 'next_probe_ms', int(now_ms + cooldown))
  redis.call('DEL', KEYS[2])
  return {'reopened', cooldown}
end
local trip = false
local window_failures = tonumber(ARGV[5])
if failures >= tonumber(ARGV[3]) then
  trip = failures .. ' consecutive failures'
elseif window_failures > 0 and in_window >= window_failures then
  trip = in_window .. ' failures in ' .. math.floor(window_ms / 1000) .. ' s'
end
if not trip then return {'closed', 0} end
local cooldown = tonumber(ARGV[6])
redis.call('HSET', KEYS[1], 'state', 'open', 'opened_at_ms', int(now_ms), 'trip', trip,
  'cooldown_ms', int(cooldown), 'next_probe_ms', int(now_ms + cooldown))
redis.call('DEL', KEYS[2])
return {'opened', cooldown}
""")

# KEYS: state hash, probe lock, failure window.  Returns 1 if this closed an open breaker.
# While open, only an answer once probing is due closes it: an answer to a call that
# started before the breaker opened says little about the upstream now.
_SUCCESS = _clocked("""
if redis.call('HGET', KEYS[1], 'state') == 'open' then
  local next_probe = tonumber(redis.call('HGET', KEYS[1], 'next_probe_ms') or '0')
  if now_ms < next_probe then return 0 end
  redis.call('HSET', KEYS[1], 'state', 'closed', 'failures', 0)
  redis.call('HDEL', KEYS[1], 'opened_at_ms', 'next_probe_ms', 'cooldown_ms', 'trip')
  redis.call('DEL', KEYS[2], KEYS[3])
  return 1
end
if tonumber(redis.call('HGET', KEYS[1], 'failures') or '0') > 0 then
  redis.call('HSET', KEYS[1], 'failures', 0)
end
return 0
""")

# KEYS: probe lock.  ARGV: token.  Gives up the probe without an answer (e.g. cancelled).
_RELEASE_PROBE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class BreakerConfig:
    """When to open (``failure_threshold`` in a row, or ``window_failures`` within
    ``window`` seconds; 0 disables the window rule) and how to probe."""

    failure_threshold: int = 5
    window: float = 60.0
    window_failures: int = 20
    cooldown: float = 15.0
    max_cooldown: float = 300.0
    probe_timeout: float = 60.0

    def __post_init__(self) -> None:
        if self.failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if self.window <= 0 or self.cooldown <= 0 or self.probe_timeout <= 0:
            raise ValueError("window, cooldown and probe_timeout must be positive")
        if self.max_cooldown < self.cooldown:
            raise ValueError("max_cooldown must be at least cooldown")


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
        self.key = f"{KEY_PREFIX}:{upstream}"
        self.probe_key = f"{self.key}:probe"
        self.window_key = f"{self.key}:window"
        self._admit = redis.register_script(_ADMIT)
        self._failure = redis.register_script(_FAILURE)
        self._success = redis.register_script(_SUCCESS)
        self._release_probe = redis.register_script(_RELEASE_PROBE)

    @contextlib.asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        """Run the body unless the circuit is open; record how it went.

        Raises ``CircuitOpenError`` without running the body while open. Other
        exceptions from the body propagate unchanged after being recorded.
        """
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
            await self.record_success()
            raise
        except BaseException:
            await self._give_up_probe(probe, token)
            raise
        else:
            await self.record_success()

    async def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """``await fn(*args, **kwargs)`` under ``guard()``."""
        async with self.guard():
            return await fn(*args, **kwargs)

    async def _enter(self, token: str) -> bool:
        """Admit the caller (True if it is the probe) or raise ``CircuitOpenError``."""
        probe_ttl_ms = math.ceil(self.config.probe_timeout * 1000)
        verdict = await self._admit(keys=[self.key, self.probe_key], args=[token, probe_ttl_ms])
        kind = _text(verdict[0])
        if kind == "allow":
            return False
        if kind == "probe":
            logger.info("%s: circuit open, probing the upstream", self.upstream)
            return True
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
        try:
            result = await self._failure(
                keys=[self.key, self.probe_key, self.window_key],
                args=[
                    reason,
                    uuid.uuid4().hex,
                    config.failure_threshold,
                    math.ceil(config.window * 1000),
                    config.window_failures,
                    math.ceil(config.cooldown * 1000),
                    math.ceil(config.max_cooldown * 1000),
                ],
            )
        except RedisError as exc:
            # The upstream's outcome matters more than the breaker's bookkeeping.
            logger.warning("%s: could not record a failure: %s", self.upstream, exc)
            return
        change, cooldown_ms = _text(result[0]), int(result[1])
        if change in ("opened", "reopened"):
            what = "circuit opened" if change == "opened" else "probe failed, circuit stays open"
            logger.warning("%s: %s for %.1fs: %s", self.upstream, what, cooldown_ms / 1000, reason)

    async def record_success(self) -> None:
        """Count an answer from the upstream (including a business rejection)."""
        try:
            closed = await self._success(keys=[self.key, self.probe_key, self.window_key])
        except RedisError as exc:
            logger.warning("%s: could not record a success: %s", self.upstream, exc)
            return
        if closed:
            logger.info("%s: upstream answered, circuit closed", self.upstream)

    async def state(self) -> dict[str, Any]:
        """The shared state for the dashboard and /metrics (read-only).

        Times are epoch seconds (Redis server clock); ``state`` is ``closed``,
        ``open`` or ``half_open`` (a probe is in flight).
        """
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.time()
            pipe.hgetall(self.key)
            pipe.exists(self.probe_key)
            pipe.zrange(self.window_key, 0, -1, withscores=True)
            (sec, usec), raw, probing, window = await pipe.execute()
        now_ms = int(sec) * 1000 + int(usec) // 1000
        fields = {_text(k): _text(v) for k, v in raw.items()}
        is_open = fields.get("state") == "open"
        window_start = now_ms - self.config.window * 1000

        def seconds(name: str) -> float | None:
            return int(fields[name]) / 1000 if name in fields else None

        return {
            "upstream": self.upstream,
            "state": ("half_open" if probing else "open") if is_open else "closed",
            "failures": int(fields.get("failures", 0)),
            "window_failures": sum(1 for _, score in window if float(score) > window_start),
            "opened_at": seconds("opened_at_ms") if is_open else None,
            "next_probe_at": seconds("next_probe_ms") if is_open else None,
            "cooldown": seconds("cooldown_ms") if is_open else None,
            "trip": fields.get("trip") if is_open else None,
            "last_reason": fields.get("last_reason"),
            "last_failure_at": seconds("last_failure_ms"),
            "now": now_ms / 1000,
        }
