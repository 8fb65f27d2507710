"""The geometry of the small inline SVG chart: calls per 5 minutes (bars), p95 latency (line).

Inline SVG needs no script and no asset from anywhere, so the page works on
a hospital network without internet and under a strict Content-Security-Policy.
This module only computes positions and labels; ``templates/chart.svg`` draws
them, so every label (a bucket's title, the upstream's name) is escaped by the
template like any other value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from app.dashboard.data import Bucket

__all__ = ["Bar", "Chart", "throughput_chart"]

W, H = 520, 150
LEFT, RIGHT, TOP, BOTTOM = 34, 44, 10, 22


@dataclass(frozen=True)
class Bar:
    """One 5-minute bucket: the whole bar, the part not done (if any), its tooltip."""

    title: str
    x: str
    y: str
    width: str
    height: str
    failed_y: str | None
    failed_height: str | None
    tick: str | None  # the HH:MM label under every third bar


@dataclass(frozen=True)
class Chart:
    label: str
    top_calls: str
    top_ms: str
    bars: list[Bar] = field(default_factory=list)
    points: list[tuple[str, str]] = field(default_factory=list)  # p95 line, (x, y)
    width: int = W
    height: int = H
    left: int = LEFT
    top: int = TOP
    plot_w: int = W - LEFT - RIGHT
    plot_h: int = H - TOP - BOTTOM

    @property
    def polyline(self) -> str:
        return " ".join(f"{x},{y}" for x, y in self.points)


def _local(start: datetime, zone: ZoneInfo) -> str:
    return start.replace(tzinfo=UTC).astimezone(zone).strftime("%H:%M")


def _nice(value: float) -> float:
    """A round axis maximum at or above ``value``."""
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000):
        if value <= step:
            return float(step)
    return float(value)


def throughput_chart(buckets: list[Bucket], zone: ZoneInfo, label: str) -> Chart:
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    n = max(1, len(buckets))
    slot = plot_w / n
    top_calls = _nice(max((b.count for b in buckets), default=0) or 1)
    top_ms = _nice(max((b.p95 for b in buckets if b.p95 is not None), default=0) or 1)
    chart = Chart(label=label, top_calls=f"{top_calls:g}", top_ms=f"{top_ms:g}")
    for i, bucket in enumerate(buckets):
        x = LEFT + i * slot
        height = plot_h * bucket.count / top_calls
        failed = plot_h * bucket.failed / top_calls
        title = (f"{_local(bucket.start, zone)}: {bucket.count} calls, {bucket.failed} not done"
                 + (f", p50 {bucket.p50:.0f} ms, p95 {bucket.p95:.0f} ms"
                    if bucket.p95 is not None else ""))
        chart.bars.append(Bar(
            title=title, x=f"{x + 2:.1f}", y=f"{TOP + plot_h - height:.1f}",
            width=f"{slot - 4:.1f}", height=f"{height:.1f}",
            failed_y=f"{TOP + plot_h - failed:.1f}" if bucket.failed else None,
            failed_height=f"{failed:.1f}" if bucket.failed else None,
            tick=_local(bucket.start, zone) if i % 3 == 0 else None))
        if bucket.p95 is not None:
            chart.points.append(
                (f"{x + slot / 2:.1f}", f"{TOP + plot_h - plot_h * bucket.p95 / top_ms:.1f}"))
    return chart
