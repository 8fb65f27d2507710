"""Prometheus ``/metrics``: the dashboard's figures, named the Prometheus way.

Collected on scrape: each scrape reads Redis and the state database afresh
(``app.dashboard.data.gather``), so the numbers describe every worker and
producer process, not the process that serves them. Gauges come straight
from that read.

The two series Prometheus wants as counters, ``simrs_bridge_upstream_requests_total``
and the ``simrs_bridge_upstream_request_duration_seconds`` histogram, are
accumulated from the audit log: each scrape reads only the rows added since
the previous one (by primary key), so a scrape costs the same on the first day
and after a year. They start at zero when the dashboard starts (Prometheus'
``rate()`` handles that like any restart). Rows younger than ``settle``
seconds wait for the next scrape, so a row whose INSERT committed after a
later id's is not skipped.
"""

from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiomysql
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from app.dashboard.data import UPSTREAMS, Figures
from app.dashboard.wsrs import wsrs_metrics

__all__ = ["CONTENT_TYPE", "DURATION_BUCKETS", "AuditCounters", "render", "render_down"]

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
_BATCH = 20_000

_MAX_ID = "SELECT COALESCE(MAX(id), 0) FROM audit"
_NEW_ROWS = (
    "SELECT id, upstream, outcome, duration_ms,"
    " at >= UTC_TIMESTAMP(3) - INTERVAL %s MICROSECOND"
    " FROM audit WHERE id > %s ORDER BY id LIMIT %s"
)


def _epoch(value: datetime) -> float:
    """Database times are naive UTC (UTC_TIMESTAMP)."""
    return value.replace(tzinfo=UTC).timestamp() if value.tzinfo is None else value.timestamp()


@dataclass
class _Histogram:
    buckets: list[int] = field(default_factory=lambda: [0] * (len(DURATION_BUCKETS) + 1))
    total: float = 0.0
    count: int = 0

    def observe(self, seconds: float) -> None:
        self.buckets[bisect.bisect_left(DURATION_BUCKETS, seconds)] += 1
        self.total += seconds
        self.count += 1

    def cumulative(self) -> list[tuple[str, float]]:
        out, running = [], 0
        for bound, n in zip((*map(str, DURATION_BUCKETS), "+Inf"), self.buckets, strict=True):
            running += n
            out.append((bound, float(running)))
        return out


class AuditCounters:
    """Requests and their durations since this process started, from the audit log."""

    def __init__(self, settle: float = 5.0) -> None:
        self.settle = settle
        self.created = time.time()
        self.cursor: int | None = None
        self.requests: dict[tuple[str, str], int] = {}
        self.durations: dict[str, _Histogram] = {u: _Histogram() for u in UPSTREAMS}

    async def advance(self, pool: aiomysql.Pool) -> None:
        async with pool.acquire() as connection, connection.cursor() as cursor:
            if self.cursor is None:
                await cursor.execute(_MAX_ID)
                row = await cursor.fetchone()
                self.cursor = int(row[0]) if row else 0
                return
            while True:
                await cursor.execute(_NEW_ROWS, (int(self.settle * 1e6), self.cursor, _BATCH))
                rows = await cursor.fetchall()
                for row_id, upstream, outcome, duration_ms, fresh in rows:
                    if fresh:
                        return  # this and later ids wait for the next scrape
                    key = (str(upstream), str(outcome))
                    self.requests[key] = self.requests.get(key, 0) + 1
                    histogram = self.durations.setdefault(str(upstream), _Histogram())
                    histogram.observe(int(duration_ms) / 1000)
                    self.cursor = int(row_id)
                if len(rows) < _BATCH:
                    return


class _Snapshot(Collector):
    def __init__(self, figures: Figures, counters: AuditCounters) -> None:
        self.figures = figures
        self.counters = counters

    def collect(self) -> Iterator[Metric]:
        f, c = self.figures, self.counters
        yield GaugeMetricFamily("simrs_bridge_up", "1: Redis and the state database answered",
                                value=1)
        per = {u: f.upstreams[u] for u in UPSTREAMS}

        def by_upstream(name: str, doc: str, values: dict[str, float]) -> GaugeMetricFamily:
            family = GaugeMetricFamily(name, doc, labels=["upstream"])
            for upstream, value in values.items():
                family.add_metric([upstream], value)
            return family

        yield by_upstream("simrs_bridge_queue_depth", "Jobs queued (ready or waiting to retry)",
                          {u: x.depth for u, x in per.items()})
        yield by_upstream("simrs_bridge_queue_deferred", "Queued jobs waiting for a retry time",
                          {u: x.deferred for u, x in per.items()})
        yield by_upstream("simrs_bridge_jobs_in_progress", "Jobs a worker is running now",
                          {u: x.in_progress for u, x in per.items()})

        requests = CounterMetricFamily(
            "simrs_bridge_upstream_requests", "Upstream calls by outcome (audit log)",
            labels=["upstream", "outcome"], created=c.created)
        for (upstream, outcome), n in sorted(c.requests.items()):
            requests.add_metric([upstream, outcome], n, created=c.created)
        yield requests
        durations = HistogramMetricFamily(
            "simrs_bridge_upstream_request_duration_seconds",
            "Upstream call duration (audit log)", labels=["upstream"])
        for upstream, histogram in sorted(c.durations.items()):
            durations.add_metric([upstream], histogram.cumulative(), histogram.total)
        yield durations

        latency = GaugeMetricFamily(
            "simrs_bridge_upstream_latency_last_hour_seconds",
            "Nearest-rank latency quantiles over the last hour", labels=["upstream", "quantile"])
        hourly = GaugeMetricFamily("simrs_bridge_upstream_requests_last_hour",
                                   "Upstream calls in the last hour by outcome",
                                   labels=["upstream", "outcome"])
        for (upstream, outcome), n in sorted(f.audit_outcomes.items()):
            hourly.add_metric([upstream, outcome], n)
        success = GaugeMetricFamily("simrs_bridge_upstream_last_success_timestamp_seconds",
                                    "When the upstream last accepted a call",
                                    labels=["upstream"])
        circuit = GaugeMetricFamily("simrs_bridge_circuit_open",
                                    "1 while the circuit breaker is open or probing",
                                    labels=["upstream"])
        circuit_state = GaugeMetricFamily("simrs_bridge_circuit_state",
                                          "The breaker's state (1 for the current one)",
                                          labels=["upstream", "state"])
        permits = GaugeMetricFamily("simrs_bridge_ratelimit_available_permits",
                                    "Requests that may start now (absent: no rate limit)",
                                    labels=["upstream"])
        leases = GaugeMetricFamily("simrs_bridge_ratelimit_leases_held",
                                   "Requests in flight holding a concurrency lease",
                                   labels=["upstream"])
        for upstream, x in per.items():
            for q, value in (("0.5", x.hour.p50), ("0.95", x.hour.p95)):
                if value is not None:
                    latency.add_metric([upstream, q], value / 1000)
            if x.last_success is not None:
                success.add_metric([upstream], _epoch(x.last_success))
            state = str(x.breaker.get("state", "closed"))
            circuit.add_metric([upstream], 0 if state == "closed" else 1)
            for name in ("closed", "open", "half_open"):
                circuit_state.add_metric([upstream, name], 1 if state == name else 0)
            if x.limiter.get("available") is not None:
                permits.add_metric([upstream], float(x.limiter["available"]))
            leases.add_metric([upstream], float(x.limiter.get("leases_held", 0)))
        yield from (latency, hourly, success, circuit, circuit_state, permits, leases)

        ledger = GaugeMetricFamily("simrs_bridge_ledger_steps_last_day",
                                   "Ledger steps tried in the last 24 hours by outcome",
                                   labels=["upstream", "outcome"])
        for (upstream, outcome), n in sorted(f.ledger_outcomes.items()):
            ledger.add_metric([upstream, outcome], n)
        yield ledger
        yield GaugeMetricFamily("simrs_bridge_dead_letters_open",
                                "Work that failed for good and was not replayed",
                                value=f.dead_letters_open)
        if f.producer_lag is not None:
            yield GaugeMetricFamily("simrs_bridge_producer_lag_seconds",
                                    "Seconds since the producer's last cycle started",
                                    value=f.producer_lag)
            duration = (f.producer or {}).get("duration")
            if isinstance(duration, int | float):
                yield GaugeMetricFamily("simrs_bridge_producer_cycle_duration_seconds",
                                        "How long the last producer cycle took",
                                        value=float(duration))
        sent = GaugeMetricFamily("simrs_bridge_report_last_sent_timestamp_seconds",
                                 "Newest accepted send per daily report kind", labels=["kind"])
        for kind, at in sorted(f.last_sent.items()):
            sent.add_metric([kind], _epoch(at))
        yield sent
        yield GaugeMetricFamily("simrs_bridge_reports_pending",
                                "Daily reports of the last 14 days the upstream lacks",
                                value=sum(1 for r in f.reports if not r.current))
        if f.beds is not None:
            yield GaugeMetricFamily("simrs_bridge_beds_unmapped_wards",
                                    "Khanza wards with no RS Online bed type",
                                    value=len(f.beds.get("unmapped") or []))
        yield from wsrs_metrics(f.wsrs)


def render(figures: Figures, counters: AuditCounters) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(figures, counters))
    return generate_latest(registry)


class _Down(Collector):
    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("simrs_bridge_up", "1: Redis and the state database answered",
                                value=0)


def render_down() -> bytes:
    """What a scrape returns while Redis or the database does not answer: alert on it."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Down())
    return generate_latest(registry)
