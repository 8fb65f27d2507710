"""A small inline SVG chart: calls per 5 minutes (bars) and p95 latency (line).

Inline SVG needs no script and no asset from anywhere, so the page works on
a hospital network without internet and under a strict Content-Security-Policy.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from zoneinfo import ZoneInfo

from app.dashboard.data import Bucket

__all__ = ["throughput_chart"]

W, H = 520, 150
LEFT, RIGHT, TOP, BOTTOM = 34, 44, 10, 22


def _local(start: datetime, zone: ZoneInfo) -> str:
    return start.replace(tzinfo=UTC).astimezone(zone).strftime("%H:%M")


def _nice(value: float) -> float:
    """A round axis maximum at or above ``value``."""
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000):
        if value <= step:
            return float(step)
    return float(value)


def throughput_chart(buckets: list[Bucket], zone: ZoneInfo, label: str) -> str:
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    n = max(1, len(buckets))
    slot = plot_w / n
    top_calls = _nice(max((b.count for b in buckets), default=0) or 1)
    p95s = [b.p95 for b in buckets]
    top_ms = _nice(max((p for p in p95s if p is not None), default=0) or 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
        f'aria-label="{escape(label)}: calls per 5 minutes and p95 latency, last hour">',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'class="axis"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 8}" class="tick" text-anchor="end">{top_calls:g}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" class="tick" text-anchor="end">0</text>',
        f'<text x="{LEFT + plot_w + 4}" y="{TOP + 8}" class="tick lat">{top_ms:g} ms</text>',
    ]
    points = []
    for i, bucket in enumerate(buckets):
        x = LEFT + i * slot
        height = plot_h * bucket.count / top_calls
        failed = plot_h * bucket.failed / top_calls
        title = (f"{_local(bucket.start, zone)}: {bucket.count} calls, {bucket.failed} not done"
                 + (f", p50 {bucket.p50:.0f} ms, p95 {bucket.p95:.0f} ms"
                    if bucket.p95 is not None else ""))
        parts.append(
            f'<g><title>{escape(title)}</title>'
            f'<rect x="{x + 2:.1f}" y="{TOP + plot_h - height:.1f}" width="{slot - 4:.1f}" '
            f'height="{height:.1f}" class="bar"/>'
            + (f'<rect x="{x + 2:.1f}" y="{TOP + plot_h - failed:.1f}" width="{slot - 4:.1f}" '
               f'height="{failed:.1f}" class="bar-failed"/>' if bucket.failed else "")
            + "</g>")
        if bucket.p95 is not None:
            points.append(f"{x + slot / 2:.1f},{TOP + plot_h - plot_h * bucket.p95 / top_ms:.1f}")
        if i % 3 == 0:
            parts.append(f'<text x="{x + 2:.1f}" y="{H - 6}" class="tick">'
                         f'{_local(bucket.start, zone)}</text>')
    if points:
        parts.append(f'<polyline points="{" ".join(points)}" class="lat-line"/>')
        parts.extend(f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="2.5" '
                     'class="lat-dot"/>' for p in points)
    parts.append("</svg>")
    return "".join(parts)
