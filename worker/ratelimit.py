"""Rate and concurrency limits per upstream, shared by every worker on every machine.

BPJS and RS Online throttle (and sometimes ban) a hospital that sends too much,
whatever number of worker processes it happens to run. A limit kept in process
memory multiplies with each process, so the state lives in Redis, which all
workers already share.

Both checks run in ONE Lua script, so reading and updating the state is atomic:
two processes can never both see the last free permit. The script reads the
clock with Redis ``TIME``, never the caller's clock, so machines whose clocks
disagree still share one timeline.

Rate: GCRA (generic cell rate algorithm), which keeps a single number per
upstream, the theoretical arrival time (TAT) of the next request. With emission
interval ``T = 1/rate`` a request is allowed when ``max(TAT, now) + T - now <=
T * burst``: after an idle spell ``burst`` requests go back to back, then one
every ``T``. In any window of one second at most ``rate + burst`` requests start.

Concurrency: a sorted set of lease ids scored by expiry (server milliseconds).
A holder refreshes its lease while it works; a worker killed with SIGKILL
cannot release, so expired leases are purged by the same script before it
counts, and a crash costs a slot for at most the lease TTL.

The permit and the lease are granted together or not at all. Taking a rate
permit and then queueing for a lease would let permits pile up and be spent in
one burst when leases free up; taking a lease and then sleeping for a permit
would hold a slot while idle. Granting both at once means a request starts
right when its permit is issued, which is what the upstream observes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.keys import RATELIMIT_PREFIX

__all__ = ["Permit", "RateLimit", "UpstreamLimiter"]

logger = logging.getLogger(__name__)


# KEYS: tat, leases.  ARGV: interval_us (0 = no rate limit), burst, max_concurrency
# (0 = unlimited), lease_id, lease_ttl_ms, lease_poll_ms.
# Returns {granted (0/1), wait_us, server_now_us}.
_ACQUIRE = """
local t = redis.call('TIME')
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now_ms = math.floor(now_us / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local max_conc = tonumber(ARGV[3])
local ttl_ms = tonumber(ARGV[5])
local wait_us = 0
local tat = now_us
if interval > 0 then
  local stored = redis.call('GET', KEYS[1])
  if stored then tat = math.max(tonumber(stored), now_us) end
  local allow_at = tat + interval - interval * burst
  if allow_at > now_us then wait_us = allow_at - now_us end
end
if max_conc > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now_ms)
  if redis.call('ZCARD', KEYS[2]) >= max_conc then
    local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    local until_expiry = (tonumber(first[2]) - now_ms) * 1000
    local poll = tonumber(ARGV[6]) * 1000
    wait_us = math.max(wait_us, math.min(poll, until_expiry))
  end
end
if wait_us > 0 then
  return {0, math.ceil(wait_us), now_us}
end
if interval > 0 then
  local new_tat = tat + interval
  local keep_ms = math.ceil((new_tat - now_us) / 1000) + 1000
  redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', keep_ms)
end
if max_conc > 0 then
  redis.call('ZADD', KEYS[2], string.format('%.0f', now_ms + ttl_ms), ARGV[4])
  redis.call('PEXPIRE', KEYS[2], ttl_ms * 2)
end
return {1, 0, now_us}
"""

# KEYS: leases.  ARGV: lease_id, lease_ttl_ms.  Returns 1 if the lease was still held.
_REFRESH = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl_ms = tonumber(ARGV[2])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], 'XX', string.format('%.0f', now_ms + ttl_ms), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl_ms * 2)
  return 1
end
return 0
"""


@dataclass(frozen=True)
class RateLimit:
    """Limits for one upstream: ``rate`` per second (0/None: none), ``burst``,
    ``max_concurrency`` requests in flight (0: unlimited)."""

    rate: float | None
    burst: int = 1
    max_concurrency: int = 0

    def __post_init__(self) -> None:
        if self.rate is not None and (self.rate < 0 or not math.isfinite(self.rate)):
            raise ValueError(f"rate must be a non-negative number, got {self.rate}")
        if self.limited and self.burst < 1:
            raise ValueError(f"burst must be at least 1 when a rate is set, got {self.burst}")
        if self.max_concurrency < 0:
            raise ValueError(f"max_concurrency must be >= 0, got {self.max_concurrency}")

    @property
    def limited(self) -> bool:
        return bool(self.rate)

    @property
    def interval_us(self) -> int:
        """Emission interval in whole microseconds, rounded up so we never exceed ``rate``."""
        return math.ceil(1_000_000 / self.rate) if self.rate else 0


@dataclass(frozen=True)
class Permit:
    """What ``slot()`` granted: the lease id (None without a concurrency limit), the
    server time of the grant (epoch seconds) and how long the caller waited."""

    upstream: str
    lease_id: str | None
    granted_at: float
    waited: float


class UpstreamLimiter:
    """The shared limit for one upstream (``"bpjs"`` or ``"sirs"``).

    Create one per upstream per process (e.g. in arq's ``on_startup``); every
    instance pointing at the same Redis and upstream shares one budget.
    """

    def __init__(
        self,
        redis: Redis,
        upstream: str,
        limit: RateLimit,
        *,
        lease_ttl: float = 60.0,
        lease_poll: float = 0.05,
    ) -> None:
        if lease_ttl <= 0 or lease_poll <= 0:
            raise ValueError("lease_ttl and lease_poll must be positive")
        self.redis = redis
        self.upstream = upstream
        self.limit = limit
        self.lease_ttl = lease_ttl
        self.lease_poll = lease_poll
        self.tat_key = f"{RATELIMIT_PREFIX}:{upstream}:tat"
        self.leases_key = f"{RATELIMIT_PREFIX}:{upstream}:leases"
        self._acquire = redis.register_script(_ACQUIRE)
        self._refresh = redis.register_script(_REFRESH)
        self._releasing: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[Permit]:
        """Wait for a rate permit and a concurrency lease, hold the lease while the
        body runs, release it on the way out (exceptions and cancellation included)."""
        limit = self.limit
        if not limit.limited and not limit.max_concurrency:
            yield Permit(self.upstream, None, 0.0, 0.0)
            return
        lease_id = uuid.uuid4().hex if limit.max_concurrency else None
        try:
            permit = await self._wait_for_permit(lease_id)
        except BaseException:
            # Cancelled while the script may already have granted the lease.
            if lease_id is not None:
                await self._release_shielded(lease_id)
            raise
        if lease_id is None:
            yield permit
            return
        keeper = asyncio.create_task(self._keep_lease(lease_id))
        try:
            yield permit
        finally:
            keeper.cancel()
            await self._release_shielded(lease_id)

    async def _wait_for_permit(self, lease_id: str | None) -> Permit:
        limit = self.limit
        args: list[Any] = [
            limit.interval_us,
            limit.burst,
            limit.max_concurrency,
            lease_id or "",
            math.ceil(self.lease_ttl * 1000),
            math.ceil(self.lease_poll * 1000),
        ]
        waited = 0.0
        while True:
            granted, wait_us, now_us = await self._acquire(
                keys=[self.tat_key, self.leases_key], args=args
            )
            if granted:
                return Permit(self.upstream, lease_id, int(now_us) / 1e6, waited)
            delay = int(wait_us) / 1e6
            # Jitter keeps processes that were told the same instant from colliding again.
            delay += random.uniform(0.0, min(delay * 0.1, 0.01))
            waited += delay
            await asyncio.sleep(delay)

    async def _keep_lease(self, lease_id: str) -> None:
        """Refresh the lease while a long call holds it, so it outlives the TTL."""
        ttl_ms = math.ceil(self.lease_ttl * 1000)
        while True:
            await asyncio.sleep(self.lease_ttl / 3)
            try:
                held = await self._refresh(keys=[self.leases_key], args=[lease_id, ttl_ms])
            except RedisError as exc:
                logger.warning("%s: could not refresh concurrency lease: %s", self.upstream, exc)
                continue
            if not held:
                logger.warning(
                    "%s: concurrency lease expired while held (worker stalled > %.0fs?)",
                    self.upstream,
                    self.lease_ttl,
                )
                return

    async def _release(self, lease_id: str) -> None:
        try:
            await self.redis.zrem(self.leases_key, lease_id)
        except RedisError as exc:
            # Not fatal: the lease expires by itself after lease_ttl.
            logger.warning("%s: could not release concurrency lease: %s", self.upstream, exc)

    async def _release_shielded(self, lease_id: str) -> None:
        """Release even if the caller is cancelled again while releasing."""
        task = asyncio.ensure_future(self._release(lease_id))
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)
        await asyncio.shield(task)

    async def state(self) -> dict[str, Any]:
        """Availability right now, for the dashboard and /metrics (read-only)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.time()
            pipe.get(self.tat_key)
            pipe.zrange(self.leases_key, 0, -1, withscores=True)
            (sec, usec), tat_raw, leases = await pipe.execute()
        now_us = int(sec) * 1_000_000 + int(usec)
        now_ms = now_us // 1000
        limit = self.limit
        available: int | None = None
        next_permit_in = 0.0
        if limit.limited:
            interval = limit.interval_us
            backlog = max(0, int(float(tat_raw)) - now_us) if tat_raw is not None else 0
            available = max(0, min(limit.burst, (interval * limit.burst - backlog) // interval))
            next_permit_in = max(0, backlog + interval - interval * limit.burst) / 1e6
        alive = sum(1 for _, score in leases if float(score) > now_ms)
        return {
            "upstream": self.upstream,
            "rate": limit.rate or 0.0,
            "burst": limit.burst,
            "max_concurrency": limit.max_concurrency,
            "available": available,
            "next_permit_in": next_permit_in,
            "leases_held": alive,
            "leases_expired": len(leases) - alive,
        }
