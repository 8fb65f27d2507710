"""The WS RS card: what Mobile JKN asked of the hospital in the last hour.

Read from the audit log (``upstream = 'wsrs'``, the ``at`` index over one hour),
which the WS RS process writes for every call: calls per endpoint, how many were
refused and why (the message the patient saw), and the p95 duration. The same
figures go to the dashboard's ``/metrics``. Refusal messages carry no identifiers
(the WS RS words them), and the page scrubs them again like every other text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import aiomysql
from prometheus_client.core import GaugeMetricFamily, Metric

__all__ = ["WSRS_HOUR", "WsrsFigures", "WsrsView", "load_wsrs", "wsrs_metrics", "wsrs_view"]

WSRS_HOUR = (
    "SELECT path, code, message, duration_ms FROM audit"
    " WHERE at >= UTC_TIMESTAMP(3) - INTERVAL 1 HOUR AND upstream = 'wsrs'"
)


def _p95(values: list[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(1, -(-len(ordered) * 95 // 100)) - 1])


@dataclass
class WsrsFigures:
    calls: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    durations: dict[str, list[int]] = field(default_factory=dict)

    def p95(self, endpoint: str | None = None) -> float | None:
        if endpoint is not None:
            return _p95(self.durations.get(endpoint, []))
        return _p95([d for values in self.durations.values() for d in values])


async def load_wsrs(pool: aiomysql.Pool) -> WsrsFigures:
    figures = WsrsFigures()
    async with pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute(WSRS_HOUR)
        for path, code, message, duration in await cursor.fetchall():
            endpoint = str(path)
            figures.calls[endpoint] = figures.calls.get(endpoint, 0) + 1
            figures.durations.setdefault(endpoint, []).append(int(duration))
            if str(code) != "200":
                figures.refused[endpoint] = figures.refused.get(endpoint, 0) + 1
                reason = str(message or "?")[:120]
                figures.reasons[reason] = figures.reasons.get(reason, 0) + 1
    return figures


@dataclass(frozen=True)
class WsrsView:
    """The card as ``templates/wsrs.html`` draws it; empty ``endpoints``: no calls."""

    endpoints: list[tuple[str, int, int, str]]  # endpoint, calls, refused, p95
    reasons: list[tuple[str, int]]  # refusal message (scrubbed), count; the ten most common


def wsrs_view(f: WsrsFigures, scrub: Callable[[str], str] | None = None) -> WsrsView:
    """The card's rows; ``scrub`` (text -> text) cleans refusal messages."""
    def clean(text: str) -> str:
        return scrub(text) if scrub is not None else text

    return WsrsView(
        endpoints=[(e, n, f.refused.get(e, 0), _ms(f.p95(e))) for e, n in sorted(f.calls.items())],
        reasons=[(clean(r), n) for r, n in
                 sorted(f.reasons.items(), key=lambda item: -item[1])[:10]])


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def wsrs_metrics(f: WsrsFigures) -> Iterator[Metric]:
    calls = GaugeMetricFamily("simrs_bridge_wsrs_calls_last_hour",
                              "WS RS calls in the last hour by endpoint", labels=["endpoint"])
    refused = GaugeMetricFamily("simrs_bridge_wsrs_refused_last_hour",
                                "WS RS refusals in the last hour by endpoint",
                                labels=["endpoint"])
    p95 = GaugeMetricFamily("simrs_bridge_wsrs_p95_seconds_last_hour",
                            "Nearest-rank p95 WS RS call duration over the last hour",
                            labels=["endpoint"])
    for endpoint, n in sorted(f.calls.items()):
        calls.add_metric([endpoint], n)
        refused.add_metric([endpoint], f.refused.get(endpoint, 0))
        value = f.p95(endpoint)
        if value is not None:
            p95.add_metric([endpoint], value / 1000)
    reasons = GaugeMetricFamily("simrs_bridge_wsrs_refusals_by_reason_last_hour",
                                "WS RS refusals in the last hour by message",
                                labels=["reason"])
    for reason, n in _top(f.reasons.items()):
        reasons.add_metric([reason], n)
    yield from (calls, refused, p95, reasons)


def _top(items: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    return sorted(items, key=lambda item: -item[1])[:20]
