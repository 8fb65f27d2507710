"""The producer's change source on the dashboard and in /metrics (issue 15).

The producer publishes one status document (``core.keys.CHANGES_STATUS``, written
by ``producers/changes/feed.py`` or, in poll mode, ``publish_poll_status``): the
source in use, and in binlog mode whether the feed is connected, its lag, the rows
seen and the nudges per table, and the fallbacks. It holds table names and GTIDs
only, never a row's values; ``templates/changes.html`` draws the
paragraph from ``changes_view``. Kept apart from ``page.py`` and ``metrics.py`` so both
stay small and the section moves as one piece.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

__all__ = ["ChangesView", "changes_metrics", "changes_view"]

SOURCES = ("poll", "binlog")
LAG_WARN = 10.0  # seconds behind the server before the page shows it in red


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _per_table(value: object) -> dict[str, float]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): n for k, v in value.items() if (n := _number(v)) is not None}


def changes_metrics(status: Mapping[str, Any] | None) -> Iterator[Metric]:
    """Gauges and counters of the change source; nothing before the producer said."""
    if status is None:
        return
    source = str(status.get("source", "poll"))
    family = GaugeMetricFamily("simrs_bridge_changes_source",
                               "1 for the producer's change source in use", labels=["source"])
    for name in SOURCES:
        family.add_metric([name], 1.0 if source == name else 0.0)
    yield family
    if source != "binlog":
        return
    yield GaugeMetricFamily("simrs_bridge_binlog_connected",
                            "1 while the producer follows Khanza's binlog",
                            value=1.0 if status.get("connected") else 0.0)
    lag = _number(status.get("lag"))
    if lag is not None:
        yield GaugeMetricFamily("simrs_bridge_binlog_lag_seconds",
                                "Seconds between a transaction's commit and its reading",
                                value=lag)
    for name, doc, key in (
        ("simrs_bridge_binlog_rows", "Row changes seen in watched tables", "rows"),
        ("simrs_bridge_binlog_nudges", "Relevant row changes that nudged the producer",
         "nudging"),
    ):
        counter = CounterMetricFamily(name, doc, labels=["table"])
        for table, count in sorted(_per_table(status.get(key)).items()):
            counter.add_metric([table], count)
        yield counter
    yield CounterMetricFamily("simrs_bridge_binlog_fallbacks",
                              "Restarts from the server's position because the stored one "
                              "was gone or unreadable",
                              value=_number(status.get("fallbacks")) or 0.0)


@dataclass(frozen=True)
class ChangesView:
    """What the Producer card says about the change source (``templates/changes.html``)."""

    source: str
    every: str  # poll mode: " every 2 s", or empty when the interval is unknown
    connected: bool = False
    lag: str | None = None  # "0.5 s behind", None when not known
    lag_kind: str = "ok"
    position: str = "-"
    stored: str = "-"
    safety_interval: str = "?"
    trouble: str | None = None  # why the feed is not connected
    tables: list[tuple[str, str, str]] = field(default_factory=list)  # table, rows, nudges
    fallbacks: int = 0
    fallback_when: str = ""  # shown only when there were fallbacks and the last is known
    fallback_reason: str | None = None


def changes_view(status: Mapping[str, Any] | None) -> ChangesView | None:
    """The change-source paragraph of the Producer card; None before the producer said."""
    if status is None:
        return None
    source = str(status.get("source", "poll"))
    if source != "binlog":
        interval = _number(status.get("interval"))
        return ChangesView(source, f" every {interval:g} s" if interval is not None else "")
    connected = bool(status.get("connected"))
    lag = _number(status.get("lag"))
    trouble = status.get("trouble")
    rows, nudging = _per_table(status.get("rows")), _per_table(status.get("nudging"))
    fallbacks = int(_number(status.get("fallbacks")) or 0)
    last = status.get("last_fallback")
    when, reason = "", None
    if fallbacks and isinstance(last, Mapping):
        at = _number(last.get("at"))
        when = f"{datetime.fromtimestamp(at, UTC):%Y-%m-%d %H:%M} UTC" if at else ""
        reason = str(last.get("reason", ""))
    return ChangesView(
        source, "", connected=connected,
        lag=None if lag is None else f"{lag:.1f} s behind",
        lag_kind="ok" if lag is not None and lag < LAG_WARN else "bad",
        position=str(status.get("position") or "-"), stored=str(status.get("stored") or "-"),
        safety_interval=str(status.get("safety_interval", "?")),
        trouble=str(trouble) if trouble and not connected else None,
        tables=[(t, f"{rows.get(t, 0):.0f}", f"{nudging.get(t, 0):.0f}")
                for t in sorted(set(rows) | set(nudging))],
        fallbacks=fallbacks, fallback_when=when, fallback_reason=reason)
