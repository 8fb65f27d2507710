"""Everything a job needs, built once per worker process and closed on shutdown.

arq passes a ``ctx`` dict to every job; ``ctx["services"]`` holds one
``Services``. Clients are created inside the running loop (aiohttp needs it),
the state database is migrated before the first job runs, and the audit log is
wired in as both clients' observer so every upstream call is recorded. The
audit log writes in batches and each breaker counts healthy calls in memory,
so ``close`` (the worker's on_shutdown) flushes both before the pools close.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiomysql
import redis.asyncio as aioredis

from core import db
from core.khanza.options import KhanzaOptions, khanza_options
from core.settings import ENV_PREFIX, Settings
from core.state.audit import AuditLog
from core.state.deadletters import DeadLetters
from core.state.ledger import Ledger
from core.state.migrate import migrate
from core.state.reports import DailyReports
from core.state.stores import Stores
from worker.bpjs.client import BpjsClient
from worker.breaker import BreakerConfig, CircuitBreaker
from worker.ratelimit import RateLimit, UpstreamLimiter
from worker.sirs.endpoints import RsOnline

__all__ = ["Services", "open_services"]


@dataclass
class Services:
    settings: Settings
    redis: aioredis.Redis
    khanza: aiomysql.Pool
    state: aiomysql.Pool
    options: KhanzaOptions
    stores: Stores
    audit: AuditLog
    bpjs: BpjsClient
    sirs: RsOnline
    limiters: dict[str, UpstreamLimiter]
    breakers: dict[str, CircuitBreaker]

    # The stores most jobs use, by their short names.
    @property
    def ledger(self) -> Ledger:
        return self.stores.ledger

    @property
    def reports(self) -> DailyReports:
        return self.stores.reports

    @property
    def dead_letters(self) -> DeadLetters:
        return self.stores.dead_letters

    async def close(self) -> None:
        # Queued audit rows and counted successes first, while their connections are open.
        await self.audit.close()
        for breaker in self.breakers.values():
            await breaker.flush()
        await self.bpjs.close()
        await self.sirs.close()
        for pool in (self.khanza, self.state):
            pool.close()
            await pool.wait_closed()
        await self.redis.aclose()


async def open_services(settings: Settings, redis: aioredis.Redis | None = None) -> Services:
    options = khanza_options(settings)
    client = redis or aioredis.Redis.from_url(settings.redis_url)
    khanza = await db.create_pool(settings.khanza_db_url, setting=f"{ENV_PREFIX}KHANZA_DB_URL")
    state = await db.create_pool(settings.state_db_url, setting=f"{ENV_PREFIX}STATE_DB_URL")
    async with state.acquire() as connection:
        await migrate(connection)
    audit = AuditLog(state, settings.secrets())
    limits = {
        "bpjs": RateLimit(settings.bpjs_rate or None, settings.bpjs_burst,
                          settings.bpjs_max_concurrency),
        "sirs": RateLimit(settings.sirs_rate or None, settings.sirs_burst,
                          settings.sirs_max_concurrency),
    }
    bpjs = BpjsClient.from_settings(settings, observer=audit.record)
    await bpjs.__aenter__()
    return Services(
        settings=settings, redis=client, khanza=khanza, state=state, options=options,
        stores=Stores.over(state), audit=audit, bpjs=bpjs,
        sirs=RsOnline.from_settings(settings, observer=audit.record),
        limiters={name: UpstreamLimiter(client, name, limit) for name, limit in limits.items()},
        breakers={name: CircuitBreaker(client, name, BreakerConfig.from_settings(settings),
                                       zone=settings.zone)
                  for name in limits},
    )
