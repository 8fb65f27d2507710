"""Everything a job needs, built once per worker process and closed on shutdown.

arq passes a ``ctx`` dict to every job; ``ctx["services"]`` holds one
``Services``. Clients are created inside the running loop (aiohttp needs it),
the state database is migrated before the first job runs, and the audit log is
wired in as both clients' observer so every upstream call is recorded. The
audit log writes in batches and each breaker counts healthy calls in memory,
so ``close`` (the worker's on_shutdown) flushes both before the pools close.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiomysql
import redis.asyncio as aioredis

from producers.khanza.options import KhanzaOptions, TaskSources

from . import db
from .bpjs.client import BpjsClient
from .breaker import BreakerConfig, CircuitBreaker
from .errors import ConfigError
from .ratelimit import RateLimit, UpstreamLimiter
from .settings import ENV_PREFIX, Settings
from .sirs.endpoints import RsOnline
from .state.audit import AuditLog
from .state.deadletters import DeadLetters
from .state.ledger import Ledger
from .state.migrate import migrate
from .state.reports import DailyReports

__all__ = ["Services", "khanza_options", "open_services"]

logger = logging.getLogger(__name__)


def khanza_options(settings: Settings) -> KhanzaOptions:
    """The producer's reading rules from settings; a bad task source names the setting."""
    try:
        sources = TaskSources.parse(settings.task_sources) if settings.task_sources else (
            TaskSources()
        )
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}TASK_SOURCES: {exc}") from None
    payers = frozenset(p.strip() for p in settings.bpjs_payers.split(",") if p.strip())
    if not payers:
        raise ConfigError(f"{ENV_PREFIX}BPJS_PAYERS: name at least one kd_pj, e.g. BPJ")
    return KhanzaOptions(
        zone=settings.zone, bpjs_payers=payers, task_sources=sources,
        lookback_days=settings.lookback_days, lookahead_days=settings.lookahead_days,
    )


@dataclass
class Services:
    settings: Settings
    redis: aioredis.Redis
    khanza: aiomysql.Pool
    state: aiomysql.Pool
    options: KhanzaOptions
    ledger: Ledger
    audit: AuditLog
    reports: DailyReports
    dead_letters: DeadLetters
    bpjs: BpjsClient
    sirs: RsOnline
    limiters: dict[str, UpstreamLimiter]
    breakers: dict[str, CircuitBreaker]

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
        ledger=Ledger(state), audit=audit, reports=DailyReports(state),
        dead_letters=DeadLetters(state), bpjs=bpjs,
        sirs=RsOnline.from_settings(settings, observer=audit.record),
        limiters={name: UpstreamLimiter(client, name, limit) for name, limit in limits.items()},
        breakers={name: CircuitBreaker(client, name, BreakerConfig.from_settings(settings),
                                       zone=settings.zone)
                  for name in limits},
    )
