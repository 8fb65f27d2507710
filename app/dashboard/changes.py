"""The producer's change source on the dashboard and in /metrics (issue 15).

The producer publishes one status document (``core.keys.CHANGES_STATUS``, written
by ``producers/changes/feed.py`` or, in poll mode, ``publish_poll_status``): the
source in use, and in binlog mode whether the feed is connected, its lag, the rows
seen and the nudges per table, and the fallbacks. It holds table names and GTIDs
only, never a row's values. Kept apart from ``page.py`` and ``metrics.py`` so both
stay small and the section moves as one piece.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from html import escape
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

__all__ = ["changes_html", "changes_metrics"]

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


def changes_html(status: Mapping[str, Any] | None) -> str:
    """The change-source paragraph of the Producer card (every value escaped)."""
    if status is None:
        return '<p class="muted" data-figure="changes-source">change source not reported yet</p>'
    source = str(status.get("source", "poll"))
    if source != "binlog":
        interval = _number(status.get("interval"))
        every = f" every {interval:g} s" if interval is not None else ""
        return (f'<p>Changes: <span data-figure="changes-source">{escape(source)}</span>'
                f"{escape(every)}.</p>")
    connected = bool(status.get("connected"))
    lag = _number(status.get("lag"))
    state = ('<span class="badge ok">connected</span>' if connected
             else '<span class="badge bad">not connected</span>')
    lag_text = "&ndash;" if lag is None else (
        f'<span class="badge {"ok" if lag < LAG_WARN else "bad"}">{lag:.1f} s behind</span>')
    trouble = status.get("trouble")
    parts = [
        f'<p>Changes: <span data-figure="changes-source">binlog</span> {state} '
        f'<span data-figure="binlog-lag">{lag_text}</span>, at GTID '
        f'{escape(str(status.get("position") or "-"))} (saved '
        f'{escape(str(status.get("stored") or "-"))}); polling every '
        f'{escape(str(status.get("safety_interval", "?")))} s as the safety net.</p>',
    ]
    if trouble and not connected:
        parts.append(f'<p class="warn">{escape(str(trouble))}</p>')
    rows, nudging = _per_table(status.get("rows")), _per_table(status.get("nudging"))
    if rows or nudging:
        lines = "".join(
            f"<tr><td>{escape(t)}</td><td>{rows.get(t, 0):.0f}</td>"
            f"<td>{nudging.get(t, 0):.0f}</td></tr>" for t in sorted(set(rows) | set(nudging)))
        parts.append('<table data-figure="binlog-tables"><tr><th>table</th><th>rows seen</th>'
                     f"<th>nudges</th></tr>{lines}</table>")
    fallbacks = int(_number(status.get("fallbacks")) or 0)
    last = status.get("last_fallback")
    if fallbacks and isinstance(last, Mapping):
        at = _number(last.get("at"))
        when = f"{datetime.fromtimestamp(at, UTC):%Y-%m-%d %H:%M} UTC" if at else ""
        parts.append(f'<p class="warn" data-figure="binlog-fallbacks">{fallbacks} fallback(s) '
                     f"to a full cycle; last {escape(when)}: "
                     f"{escape(str(last.get('reason', '')))}</p>")
    else:
        parts.append('<p class="muted" data-figure="binlog-fallbacks">no fallback</p>')
    return "".join(parts)
