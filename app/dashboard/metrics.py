"""Prometheus ``/metrics``: the dashboard's figures, named the Prometheus way.

Collected on scrape: each scrape reads Redis and the state database afresh
(``app.dashboard.data.gather``), so the numbers describe every worker and
producer process, not the process that serves them. Gauges come straight
from that read.

The two series Prometheus wants as counters, ``simrs_bridge_upstream_requests_total``
and the ``simrs_bridge_upstream_request_duration_seconds`` histogram, are
derived from the audit log, which is persistent: when the dashboard starts it
counts the whole table once (one grouped scan), so the counters continue
across a dashboard restart instead of falling to zero; after that each scrape
reads only the rows added since the previous one (by primary key), so a scrape
costs the same on the first day and after a year. Rows younger than ``settle``
seconds wait for the next scrape, so a row whose INSERT committed after a
later id's is not skipped. No ``_created`` series: in the 0.0.4 text format
they would appear as gauges, and they would be wrong across restarts anyway.

Heartbeats (``core.heartbeat``) become ``simrs_bridge_heartbeat_timestamp_seconds``
per process kind (0 when none ever beat, so ``time() - x > 120`` fires), the
series the example alert rules (``deploy/prometheus/alerts.yml``) page on.
"""

from __future__ import annotations

import bisect
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

from app.dashboard.changes import changes_metrics
from app.dashboard.data import UPSTREAMS, Figures
from app.dashboard.wsrs import wsrs_metrics

__all__ = ["CONTENT_TYPE", "DURATION_BUCKETS", "AuditCounters", "render", "render_down"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
_BATCH = 20_000

_MAX_ID = "SELECT COALESCE(MAX(id), 0) FROM audit"
# Everything up to the starting id, once per dashboard start: counts and, per histogram
# bucket, how many calls took at most that long: one SUM per DURATION_BUCKETS bound, in ms
# (tests/app/dashboard/test_metrics_format.py keeps the two in step).
_TOTALS = (
    "SELECT upstream, outcome, COUNT(*), COALESCE(SUM(duration_ms), 0),"
    " SUM(duration_ms <= 50), SUM(duration_ms <= 100), SUM(duration_ms <= 250),"
    " SUM(duration_ms <= 500), SUM(duration_ms <= 1000), SUM(duration_ms <= 2500),"
    " SUM(duration_ms <= 5000), SUM(duration_ms <= 10000), SUM(duration_ms <= 20000),"
    " SUM(duration_ms <= 30000), SUM(duration_ms <= 60000)"
    " FROM audit WHERE id <= %s GROUP BY upstream, outcome"
)
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

    def add_totals(self, count: int, total_ms: int, at_most: list[int]) -> None:
        """Counts from ``_TOTALS``: ``at_most[i]`` calls took <= bound i."""
        previous = 0
        for i, cumulative in enumerate(at_most):
            self.buckets[i] += cumulative - previous
            previous = cumulative
        self.buckets[-1] += count - previous
        self.total += total_ms / 1000
        self.count += count

    def cumulative(self) -> list[tuple[str, float]]:
        out, running = [], 0
        for bound, n in zip((*map(str, DURATION_BUCKETS), "+Inf"), self.buckets, strict=True):
            running += n
            out.append((bound, float(running)))
        return out


class AuditCounters:
    """Requests and their durations, from the whole audit log."""

    def __init__(self, settle: float = 5.0) -> None:
        self.settle = settle
        self.cursor: int | None = None
        self.requests: dict[tuple[str, str], int] = {}
        self.durations: dict[str, _Histogram] = {u: _Histogram() for u in UPSTREAMS}

    async def advance(self, pool: aiomysql.Pool) -> None:
        async with pool.acquire() as connection, connection.cursor() as cursor:
            if self.cursor is None:
                await cursor.execute(_MAX_ID)
                row = await cursor.fetchone()
                start = int(row[0]) if row else 0
                await cursor.execute(_TOTALS, (start,))
                for upstream, outcome, count, total_ms, *at_most in await cursor.fetchall():
                    key = (str(upstream), str(outcome))
                    self.requests[key] = self.requests.get(key, 0) + int(count)
                    self.durations.setdefault(str(upstream), _Histogram()).add_totals(
                        int(count), int(total_ms), [int(n or 0) for n in at_most])
                self.cursor = start
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
            labels=["upstream", "outcome"])
        for (upstream, outcome), n in sorted(c.requests.items()):
            requests.add_metric([upstream, outcome], n)
        yield requests
        durations = HistogramMetricFamily(
            "simrs_bridge_upstream_request_duration_seconds",
            "Upstream call duration (audit log)", labels=["upstream"])
        for upstream, histogram in sorted(c.durations.items()):
            durations.add_metric([upstream], histogram.cumulative(), histogram.total)
        yield durations

        # Two gauges, not one with a "quantile" label: that label belongs to summaries.
        p50 = GaugeMetricFamily("simrs_bridge_upstream_latency_p50_last_hour_seconds",
                                "Nearest-rank median call duration over the last hour",
                                labels=["upstream"])
        p95 = GaugeMetricFamily("simrs_bridge_upstream_latency_p95_last_hour_seconds",
                                "Nearest-rank 95th percentile call duration, last hour",
                                labels=["upstream"])
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
            for family, value in ((p50, x.hour.p50), (p95, x.hour.p95)):
                if value is not None:
                    family.add_metric([upstream], value / 1000)
            if x.last_success is not None:
                success.add_metric([upstream], _epoch(x.last_success))
            state = str(x.breaker.get("state", "closed"))
            circuit.add_metric([upstream], 0 if state == "closed" else 1)
            for name in ("closed", "open", "half_open"):
                circuit_state.add_metric([upstream, name], 1 if state == name else 0)
            if x.limiter.get("available") is not None:
                permits.add_metric([upstream], float(x.limiter["available"]))
            leases.add_metric([upstream], float(x.limiter.get("leases_held", 0)))
        yield from (p50, p95, hourly, success, circuit, circuit_state, permits, leases)

        ledger = GaugeMetricFamily("simrs_bridge_ledger_steps_last_day",
                                   "Ledger steps tried in the last 24 hours by outcome",
                                   labels=["upstream", "outcome"])
        for (upstream, outcome), n in sorted(f.ledger_outcomes.items()):
            ledger.add_metric([upstream, outcome], n)
        yield ledger
        yield by_upstream("simrs_bridge_dead_letters_open",
                          "Work that failed for good and was not replayed",
                          {u: float(n) for u, n in f.dead_letters_by_upstream.items()})
        beat = GaugeMetricFamily("simrs_bridge_heartbeat_timestamp_seconds",
                                 "Newest heartbeat of any process of this kind (0: never)",
                                 labels=["process"])
        alive = GaugeMetricFamily("simrs_bridge_processes_alive",
                                  "Processes of this kind that beat within 45 s",
                                  labels=["process"])
        for process, (newest, count) in sorted(f.heartbeats.items()):
            beat.add_metric([process], newest or 0.0)
            alive.add_metric([process], count)
        yield beat
        yield alive
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
        yield from changes_metrics(f.changes)
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
