"""The figures an operator needs, read fresh from Redis and the state database.

Nothing here is kept in the dashboard process: every page view and every
Prometheus scrape reads the shared state that all workers and producers write
(the arq queue, in-progress keys, breaker and limiter state, the producer's
status, the audit log, the ledger, daily reports, dead letters). So one
dashboard shows the whole installation, however many workers run, and a
restarted dashboard loses nothing.

The reads are cheap on purpose (DESIGN principle 6 applies to our own
database too): the audit log is read for the last hour through its ``at``
index, the ledger for the last day through ``last_try``, and the other tables
are small.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import aiomysql
from redis.asyncio import Redis

from app.dashboard.wsrs import WsrsFigures, load_wsrs
from core.heartbeat import latest
from core.keys import BEDS_STATUS, CHANGES_STATUS, PRODUCER_STATUS, QUEUE_NAME
from core.settings import Settings
from core.state.deadletters import DeadLetter, DeadLetters
from core.state.reports import DailyReports
from worker.breaker import BreakerConfig, CircuitBreaker
from worker.ratelimit import RateLimit, UpstreamLimiter

__all__ = [
    "BUCKET",
    "IN_PROGRESS_PREFIX",
    "UPSTREAMS",
    "Bucket",
    "Figures",
    "Sources",
    "gather",
    "percentile",
    "upstream_of",
]

logger = logging.getLogger(__name__)

UPSTREAMS = ("bpjs", "sirs")
IN_PROGRESS_PREFIX = "arq:in-progress:"
BUCKET = timedelta(minutes=5)
BUCKETS = 12  # one hour
SUCCESS = ("done", "already_done")


def upstream_of(job_id: str) -> str:
    """``bpjs:booking:…`` → ``bpjs``; ids are deterministic (core/queue.py)."""
    head = job_id.split(":", 1)[0]
    return head if head in UPSTREAMS else "other"


def percentile(sorted_values: list[int], q: float) -> float | None:
    """Nearest-rank percentile: a value that really occurred, never an interpolation."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * q // 1))  # ceil(n*q), at least 1
    return float(sorted_values[int(rank) - 1])


@dataclass
class Bucket:
    start: datetime  # UTC, naive like the audit table
    count: int = 0
    failed: int = 0
    durations: list[int] = field(default_factory=list)

    @property
    def p50(self) -> float | None:
        return percentile(sorted(self.durations), 0.50)

    @property
    def p95(self) -> float | None:
        return percentile(sorted(self.durations), 0.95)


@dataclass
class UpstreamFigures:
    name: str
    queued: int = 0  # ready to run now
    deferred: int = 0  # waiting for a retry time
    in_progress: int = 0
    breaker: dict[str, Any] = field(default_factory=dict)
    limiter: dict[str, Any] = field(default_factory=dict)
    last_success: datetime | None = None  # UTC
    hour: Bucket = field(default_factory=lambda: Bucket(datetime.min))
    buckets: list[Bucket] = field(default_factory=list)  # oldest first

    @property
    def depth(self) -> int:
        return self.queued + self.deferred


@dataclass
class ReportRow:
    kind: str
    tanggal: date
    sent_at: datetime | None
    current: bool  # the upstream has the newest payload
    last_outcome: str | None
    last_message: str | None


@dataclass
class Figures:
    now: datetime  # UTC, the database's clock
    upstreams: dict[str, UpstreamFigures]
    other_queued: int
    audit_outcomes: dict[tuple[str, str], int]  # last hour
    ledger_outcomes: dict[tuple[str, str], int]  # last 24 hours
    producer: dict[str, Any] | None
    producer_lag: float | None  # seconds since the last cycle started
    reports: list[ReportRow]
    last_sent: dict[str, datetime]
    beds: dict[str, Any] | None
    dead_letters: list[DeadLetter]
    dead_letters_open: int
    # upstream -> open dead letters ("other" for jobs of neither upstream)
    dead_letters_by_upstream: dict[str, int] = field(default_factory=dict)
    # process kind -> (newest heartbeat, epoch seconds, or None; processes beating now)
    heartbeats: dict[str, tuple[float | None, int]] = field(default_factory=dict)
    changes: dict[str, Any] | None = None  # the producer's change source (poll/binlog)
    wsrs: WsrsFigures = field(default_factory=WsrsFigures)


@dataclass
class Sources:
    """Long-lived handles the dashboard keeps open: Redis, the state pool and the
    breaker/limiter objects whose ``state()`` reads the shared Redis keys."""

    settings: Settings
    redis: Redis
    state: aiomysql.Pool
    breakers: dict[str, CircuitBreaker] = field(default_factory=dict)
    limiters: dict[str, UpstreamLimiter] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = self.settings
        limits = {
            "bpjs": RateLimit(s.bpjs_rate or None, s.bpjs_burst, s.bpjs_max_concurrency),
            "sirs": RateLimit(s.sirs_rate or None, s.sirs_burst, s.sirs_max_concurrency),
        }
        for name in UPSTREAMS:
            config = BreakerConfig.from_settings(s)
            self.breakers.setdefault(name, CircuitBreaker(self.redis, name, config, zone=s.zone))
            self.limiters.setdefault(name, UpstreamLimiter(self.redis, name, limits[name]))

    @property
    def dead_letters(self) -> DeadLetters:
        return DeadLetters(self.state)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


async def _queue(redis: Redis, upstreams: dict[str, UpstreamFigures]) -> int:
    now_ms = time.time() * 1000
    other = 0
    for member, score in await redis.zrange(QUEUE_NAME, 0, -1, withscores=True):
        figures = upstreams.get(upstream_of(_text(member)))
        if figures is None:
            other += 1
        elif score > now_ms:
            figures.deferred += 1
        else:
            figures.queued += 1
    async for key in redis.scan_iter(match=IN_PROGRESS_PREFIX + "*", count=500):
        figures = upstreams.get(upstream_of(_text(key)[len(IN_PROGRESS_PREFIX):]))
        if figures is not None:
            figures.in_progress += 1
    return other


async def _json(redis: Redis, key: str) -> dict[str, Any] | None:
    raw = await redis.get(key)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        logger.warning("%s is not JSON; ignored", key)
        return None
    return value if isinstance(value, dict) else None


# The last hour of calls, with the database's own clock for the bucket edges.
_AUDIT_HOUR = (
    "SELECT upstream, outcome, duration_ms, at, UTC_TIMESTAMP(3) FROM audit"
    " WHERE at >= UTC_TIMESTAMP(3) - INTERVAL 1 HOUR"
)
_NOW = "SELECT UTC_TIMESTAMP(3)"
# When the hour had no success: the newest one, walking the primary key backwards.
_LAST_SUCCESS = (
    "SELECT at FROM audit WHERE upstream = %s AND outcome IN ('done', 'already_done')"
    " ORDER BY id DESC LIMIT 1"
)
_DEAD_BY_UPSTREAM = (
    "SELECT COALESCE(upstream, 'other'), COUNT(*) FROM dead_letter"
    " WHERE replayed_at IS NULL GROUP BY 1"
)
_LEDGER_DAY = (
    "SELECT upstream, outcome, COUNT(*) FROM ledger"
    " WHERE last_try >= UTC_TIMESTAMP(3) - INTERVAL 1 DAY GROUP BY upstream, outcome"
)
_REPORTS = (
    "SELECT kind, tanggal, sent_at, sent_hash <=> payload_hash, last_outcome, last_message"
    " FROM daily_report WHERE tanggal >= UTC_DATE() - INTERVAL 14 DAY"
    " ORDER BY tanggal DESC, kind LIMIT 100"
)


async def _database(sources: Sources, figures_by: dict[str, UpstreamFigures]) -> tuple[
    datetime, dict[tuple[str, str], int], dict[tuple[str, str], int], list[ReportRow]
]:
    audit: dict[tuple[str, str], int] = {}
    ledger: dict[tuple[str, str], int] = {}
    async with sources.state.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute(_NOW)
        row = await cursor.fetchone()
        now: datetime = row[0]
        start = now - BUCKET * BUCKETS
        for figures in figures_by.values():
            figures.hour = Bucket(start)
            figures.buckets = [Bucket(start + BUCKET * i) for i in range(BUCKETS)]
        await cursor.execute(_AUDIT_HOUR)
        for upstream, outcome, duration_ms, at, _ in await cursor.fetchall():
            audit[(upstream, outcome)] = audit.get((upstream, outcome), 0) + 1
            found_figures = figures_by.get(upstream)
            if found_figures is None:
                continue
            figures = found_figures
            index = min(BUCKETS - 1, max(0, int((at - start) / BUCKET)))
            for bucket in (figures.hour, figures.buckets[index]):
                bucket.count += 1
                bucket.durations.append(int(duration_ms))
                if outcome not in SUCCESS:
                    bucket.failed += 1
            if outcome in SUCCESS and (figures.last_success is None or at > figures.last_success):
                figures.last_success = at
        for figures in figures_by.values():
            if figures.last_success is None:
                await cursor.execute(_LAST_SUCCESS, (figures.name,))
                found = await cursor.fetchone()
                figures.last_success = found[0] if found else None
        await cursor.execute(_LEDGER_DAY)
        for upstream, outcome, count in await cursor.fetchall():
            ledger[(str(upstream), str(outcome))] = int(count)
        await cursor.execute(_REPORTS)
        reports = [ReportRow(str(k), t, s, bool(c), o, m)
                   for k, t, s, c, o, m in await cursor.fetchall()]
    return now, audit, ledger, reports


async def gather(sources: Sources, *, letters: int = 50) -> Figures:
    """Everything on the page and in /metrics, read now."""
    upstreams = {name: UpstreamFigures(name) for name in UPSTREAMS}
    other = await _queue(sources.redis, upstreams)
    for name, figures in upstreams.items():
        figures.breaker, figures.limiter = await asyncio.gather(
            sources.breakers[name].state(), sources.limiters[name].state())
    producer = await _json(sources.redis, PRODUCER_STATUS)
    beds = await _json(sources.redis, BEDS_STATUS)
    now, audit, ledger, reports = await _database(sources, upstreams)
    dead = sources.dead_letters
    open_letters = await dead.open(letters)
    open_count = await dead.count_open()
    by_upstream = dict.fromkeys(UPSTREAMS, 0)
    async with sources.state.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute(_DEAD_BY_UPSTREAM)
        for upstream, count in await cursor.fetchall():
            by_upstream[str(upstream)] = int(count)
    heartbeats = await latest(sources.redis)
    last_sent = await DailyReports(sources.state).last_sent()
    lag = None
    if producer is not None and isinstance(producer.get("last_cycle"), int | float):
        lag = max(0.0, time.time() - float(producer["last_cycle"]))
    return Figures(
        now=now, upstreams=upstreams, other_queued=other, audit_outcomes=audit,
        ledger_outcomes=ledger, producer=producer, producer_lag=lag, reports=reports,
        last_sent=last_sent, beds=beds, dead_letters=open_letters,
        dead_letters_open=open_count, dead_letters_by_upstream=by_upstream,
        heartbeats=heartbeats, changes=await _json(sources.redis, CHANGES_STATUS),
        wsrs=await load_wsrs(sources.state),
    )


def total(counts: dict[tuple[str, str], int], upstream: str, outcomes: Iterable[str]) -> int:
    wanted = set(outcomes)
    return sum(n for (u, o), n in counts.items() if u == upstream and o in wanted)
