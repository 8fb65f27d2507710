"""Heartbeats: each worker and producer process says "alive" in Redis every few seconds.

The dashboard shows the newest beat per kind of process and /metrics exports it as
``simrs_bridge_heartbeat_timestamp_seconds{process}``, so a Prometheus rule can page
when no worker (or no producer) has beaten for two minutes, whatever the reason: the
unit stopped, the host is down, the process is wedged (the beat runs on the daemon's
own event loop, so a blocked loop stops beating too).

One hash per kind of process (``core.keys.heartbeat_key``), one field per process
(``host:pid``), so several workers on several machines each count; fields older than a
day are dropped as beats are written, so the hash stays small. A beat that cannot reach
Redis is skipped silently: the run loops report Redis outages, and a missing beat is the
signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.keys import HEARTBEAT_PROCESSES, heartbeat_key

__all__ = ["INTERVAL", "KEEP", "beat", "beat_forever", "latest"]

logger = logging.getLogger(__name__)

INTERVAL = 15.0  # seconds between beats; alerts use a multiple (alerts.yml: 120 s)
KEEP = 86_400.0  # fields older than this are removed


def _identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def beat(redis: Redis, process: str, *, clock: Callable[[], float] = time.time) -> None:
    """One beat: this process's field set to now, stale fields of others dropped."""
    if process not in HEARTBEAT_PROCESSES:
        raise ValueError(f"unknown process kind {process!r}")
    key = heartbeat_key(process)
    now = clock()
    await redis.hset(key, _identity(), f"{now:.3f}")  # type: ignore[misc]
    stale = [field for field, value in (await redis.hgetall(key)).items()  # type: ignore[misc]
             if now - float(value) > KEEP]
    if stale:
        await redis.hdel(key, *stale)  # type: ignore[misc]


async def beat_forever(redis: Redis, process: str, stop: asyncio.Event,
                       interval: float = INTERVAL) -> None:
    """Beat until ``stop`` is set; Redis trouble skips a beat, never ends the loop."""
    while not stop.is_set():
        try:
            await beat(redis, process)
        except (RedisError, OSError) as exc:
            logger.debug("heartbeat skipped: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


async def latest(redis: Redis) -> dict[str, tuple[float | None, int]]:
    """process kind -> (newest beat in epoch seconds or None, processes beating within
    three intervals)."""
    now = time.time()
    result: dict[str, tuple[float | None, int]] = {}
    for process in HEARTBEAT_PROCESSES:
        values = [float(v) for v in (await redis.hgetall(heartbeat_key(process))).values()]  # type: ignore[misc]
        alive = sum(1 for v in values if now - v <= 3 * INTERVAL)
        result[process] = (max(values) if values else None, alive)
    return result
