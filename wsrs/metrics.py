"""Counters of the WS RS for Prometheus (``/metrics`` on the WS RS listener).

Calls per endpoint and metadata code, refusals by reason, and call durations
(a histogram, from which Prometheus computes the p95). The audit table holds the
same calls one by one, for the dashboard and for disputes.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

__all__ = ["WsrsMetrics"]

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class WsrsMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.calls = Counter("simrs_bridge_wsrs_calls", "WS RS calls by endpoint and code",
                             ["endpoint", "code"], registry=self.registry)
        self.refusals = Counter("simrs_bridge_wsrs_refusals", "WS RS refusals by reason",
                                ["endpoint", "reason"], registry=self.registry)
        self.seconds = Histogram("simrs_bridge_wsrs_seconds", "WS RS call duration",
                                 ["endpoint"], buckets=_BUCKETS, registry=self.registry)

    def observe(self, endpoint: str, code: int, reason: str | None, seconds: float) -> None:
        self.calls.labels(endpoint, str(code)).inc()
        if reason:
            self.refusals.labels(endpoint, reason[:60]).inc()
        self.seconds.labels(endpoint).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
