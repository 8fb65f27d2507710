"""What a daemon does before it serves: validate the settings, then wait for its services.

The order matters for the exit code (``core.exitcodes``): a settings problem
stops the daemon at once with ``CONFIG`` (systemd does not restart it); a
service that does not answer (Redis, MariaDB down or restarting, say after a
power cut where the hospital server boots faster than the database server) is
retried with backoff for ``SIMRS_BRIDGE_STARTUP_WAIT`` seconds, each failure one
log line naming the setting, and only then gives up with ``UNAVAILABLE``, which
systemd restarts. ``check`` uses the same probes (``probe_redis``,
``probe_database``) so its lines and the daemons' agree.

This is start-up only: once running, outages are the run loops' business.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

import redis.asyncio as aioredis
from redis.exceptions import AuthenticationError, RedisError, ResponseError

from core import db, systemd
from core.errors import ConfigError, UnavailableError
from core.settings import ENV_PREFIX, Settings
from core.validate import require_valid

__all__ = ["BACKOFF", "DEPENDENCIES", "prepare", "probe_database", "probe_redis",
           "setting_of", "wait_for"]

logger = logging.getLogger(__name__)

# Seconds between attempts: quick at first (a service that is just starting), then steady.
BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0)

# Which services each daemon needs before it can do anything useful.
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "worker": ("redis", "khanza_db_url", "state_db_url"),
    "producer": ("redis", "khanza_db_url", "state_db_url"),
    "dashboard": ("redis", "state_db_url"),
    "wsrs": ("redis", "wsrs_db_url", "state_db_url"),
}


async def probe_redis(settings: Settings, timeout: float = 5.0) -> str:
    """Redis answers ``INFO``; ``UnavailableError`` if it does not, ``ConfigError`` if it
    refuses us (password, database index)."""
    client = aioredis.Redis.from_url(settings.redis_url, socket_connect_timeout=timeout,
                                     socket_timeout=timeout)
    setting = f"{ENV_PREFIX}REDIS_URL"
    try:
        info = await client.info("server")
    except (AuthenticationError, ResponseError) as exc:
        raise ConfigError(f"{setting}: {settings.redis_url} refused us: {exc}") from None
    except (RedisError, OSError) as exc:
        raise UnavailableError(f"{setting}: cannot reach {settings.redis_url}: {exc}") from None
    finally:
        await client.aclose()
    return f"{settings.redis_url} (Redis {info.get('redis_version', '?')})"


async def probe_database(settings: Settings, field: str, timeout: float = 5.0) -> str:
    url = getattr(settings, field)
    connection = await db.connect(url, setting=ENV_PREFIX + field.upper(), timeout=timeout)
    try:
        async with connection.cursor() as cursor:
            await cursor.execute("SELECT VERSION()")
            row = await cursor.fetchone()
    finally:
        connection.close()
    return f"{url} ({row[0] if row else '?'})"


def setting_of(name: str) -> str:
    """The environment variable behind a dependency name (``redis`` or a settings field)."""
    return ENV_PREFIX + ("REDIS_URL" if name == "redis" else name.upper())


def _probe(settings: Settings, name: str) -> Callable[[], Awaitable[str]]:
    if name == "redis":
        return lambda: probe_redis(settings)
    return lambda: probe_database(settings, name)


async def wait_for(settings: Settings, names: Sequence[str], *, role: str,
                   clock: Callable[[], float] = time.monotonic) -> None:
    """Return once every service answers; ``UnavailableError`` after ``startup_wait``."""
    deadline = clock() + settings.startup_wait
    for name in names:
        attempt = 0
        while True:
            try:
                await asyncio.wait_for(_probe(settings, name)(), timeout=10)
                break
            except TimeoutError:
                error: ConfigError = UnavailableError(f"{setting_of(name)}: no answer within 10 s")
            except UnavailableError as exc:
                error = exc
            delay = BACKOFF[min(attempt, len(BACKOFF) - 1)]
            left = deadline - clock()
            if left <= 0:
                raise error
            delay = min(delay, left)
            logger.warning("%s waiting: %s (next try in %.0f s)", role, error, delay)
            systemd.notify(f"STATUS=waiting: {error}")
            await asyncio.sleep(delay)
            attempt += 1


async def prepare(settings: Settings, role: str) -> None:
    """Settings first (fatal problems raise ``ConfigError``), then the services."""
    require_valid(settings)
    await wait_for(settings, DEPENDENCIES[role], role=role)
