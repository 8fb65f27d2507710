"""Per-client request rate limit: a token bucket per client address, in this process.

BPJS calls from a few addresses, so the default bucket (``WSRS_BURST`` = 120
requests, refilled at ``WSRS_RATE`` = 20 per second) lets it make well over 60
calls at once while one runaway client cannot occupy the database. The WS RS is
one process, so the buckets live in memory; idle ones are dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["RateLimiter"]

_IDLE = 300.0


class RateLimiter:
    def __init__(self, rate: float, burst: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._rate, self._burst, self._clock = rate, float(burst), clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._swept = clock()

    def allow(self, client: str) -> bool:
        now = self._clock()
        tokens, last = self._buckets.get(client, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        allowed = tokens >= 1.0
        self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
        if now - self._swept > _IDLE:
            self._swept = now
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < _IDLE}
        return allowed
