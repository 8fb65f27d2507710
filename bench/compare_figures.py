"""Headline figures read back from each benchmark's markdown report, and the comparison table.

``compare.py`` runs the same benchmark script from two revisions of the code; each script
writes its own markdown report. The figures are read from those reports, not from the
scripts' internals, so an old revision whose script prints a slightly different report still
compares: a figure that cannot be found is ``None`` and shows as "not reported", it never
stops the comparison.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "PARSERS",
    "Figure",
    "compare_rows",
    "decrypt_figures",
    "latency_figures",
    "number",
    "pipeline_figures",
    "producer_figures",
    "table_rows",
    "verdict",
]

NOT_REPORTED = "not reported"


@dataclass(frozen=True)
class Figure:
    """One headline number of one report; ``higher_is_better`` decides "faster"/"slower"."""

    name: str
    value: float | None
    unit: str
    higher_is_better: bool = False


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def number(cell: str | None) -> float | None:
    """The first number in a table cell ("1,234", "0.17 s", "**1.2 (3.4)** ok", "61%")."""
    if not cell:
        return None
    match = _NUMBER.search(cell.replace("**", ""))
    return float(match.group().replace(",", "")) if match else None


def table_rows(markdown: str) -> list[list[str]]:
    """Every markdown table row as its stripped cells, separator rows left out."""
    rows = []
    for line in markdown.splitlines():
        line = line.strip()
        if not line.startswith("|") or set(line) <= {"|", "-", " ", ":"}:
            continue
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _row(rows: list[list[str]], prefix: str) -> list[str] | None:
    return next((r for r in rows if r and r[0].startswith(prefix)), None)


def _cell(row: list[str] | None, index: int) -> str | None:
    return row[index] if row is not None and len(row) > index else None


def _column(rows: list[list[str]], header_first: str, title: str) -> int | None:
    """Index of the column titled ``title`` in the table whose header starts ``header_first``."""
    header = _row(rows, header_first)
    return header.index(title) if header is not None and title in header else None


def _table_after(rows: list[list[str]], first: str, title: str) -> list[list[str]]:
    """The rows below the header whose first cell is ``first`` and which has a column
    ``title`` (two tables of one report can share their first column's title)."""
    for index, row in enumerate(rows):
        if row and row[0] == first and title in row:
            return rows[index + 1:]
    return []


# --- one parser per benchmark ------------------------------------------------------------------


def pipeline_figures(markdown: str) -> list[Figure]:
    rows = table_rows(markdown)
    noop, pipe, rss = (_row(rows, "(a) arq no-op"), _row(rows, "(b) pipeline, this code"),
                       _row(rows, "(c) worker RSS"))
    # (b') exists since the read-back was measured apart from the live sends; older
    # reports have no such rows ("not reported").
    back, both = _row(rows, "(b') read-back"), _row(rows, "(b) + (b')")
    return [
        Figure("(a) arq no-op ceiling, jobs/s", number(_cell(noop, 1)), "jobs/s", True),
        Figure("(b) pipeline, jobs/s", number(_cell(pipe, 1)), "jobs/s", True),
        Figure("(b) pipeline, CPU ms per job", number(_cell(pipe, 2)), "ms"),
        Figure("(b) pipeline, upstream calls/s", number(_cell(pipe, 3)), "calls/s", True),
        Figure("(b) ratio to arq's ceiling (a)", number(_cell(pipe, 4)), "%", True),
        Figure("(b') read-back, CPU ms per booking", number(_cell(back, 2)), "ms"),
        Figure("(b) + (b') CPU ms per live job", number(_cell(both, 2)), "ms"),
        Figure("(c) worker RSS, max", number(_cell(rss, 1)), "MB"),
    ]


def producer_figures(markdown: str) -> list[Figure]:
    rows = table_rows(markdown)
    cycle, reads = _row(rows, "`Producer.cycle`"), _row(rows, "Handler_read_* per cycle")
    window = _row(rows, "`load_window` alone")
    return [
        Figure("`Producer.cycle`, small database (median)", number(_cell(cycle, 1)), "ms"),
        Figure("`Producer.cycle`, with history (median)", number(_cell(cycle, 2)), "ms"),
        Figure("cycle ratio history/small", number(_cell(cycle, 3)), "ratio"),
        Figure("`load_window` alone, with history", number(_cell(window, 2)), "ms"),
        Figure("rows read per cycle, small", number(_cell(reads, 1)), "rows"),
        Figure("rows read per cycle, with history", number(_cell(reads, 2)), "rows"),
    ]


def decrypt_figures(markdown: str) -> list[Figure]:
    """Our decoder's median per response (µs) for each payload, Node's beside it as the
    machine's own yardstick (the same Node code on both sides), and the event-loop stall."""
    rows = table_rows(markdown)
    ours = _column(rows, "payload", "ours, pure Python ms")
    node = _column(rows, "payload", "Node ms")
    figures = []
    for size in ("7 rows", "300 rows", "5000 rows", "50000 rows"):
        for kind in ("ASCII", "intl"):
            row = _row(rows, f"{size} {kind}")
            value = number(_cell(row, ours)) if ours is not None else None
            figures.append(Figure(f"ours, {size} {kind}, µs per response",
                                  None if value is None else value * 1000, "µs"))
    for size in ("300 rows", "50000 rows"):
        row = _row(rows, f"{size} ASCII")
        value = number(_cell(row, node)) if node is not None else None
        figures.append(Figure(f"Node (same on both sides), {size} ASCII, µs",
                              None if value is None else value * 1000, "µs"))
    stall_table = _table_after(rows, "payload", "idle loop")
    stall = _row(stall_table, "5000 rows ASCII")
    figures.append(Figure("event-loop stall, `decrypt_json_async`, 5000 rows ASCII (median)",
                          number(_cell(stall, 2)), "ms"))
    return figures


def latency_figures(markdown: str) -> list[Figure]:
    """p50 and p99 (and max) of every scenario the report has, in its order."""
    figures: list[Figure] = []
    rows = table_rows(markdown)
    header = _row(rows, "scenario")
    if header is None or "p50" not in header or "p99" not in header:
        return figures
    p50, p99, top = header.index("p50"), header.index("p99"), header.index("max")
    for row in rows[rows.index(header) + 1:]:
        if row[0].startswith("baseline") or len(row) != len(header):
            break
        figures += [Figure(f"{row[0]}: p50", number(_cell(row, p50)), "s"),
                    Figure(f"{row[0]}: p99", number(_cell(row, p99)), "s"),
                    Figure(f"{row[0]}: max", number(_cell(row, top)), "s")]
    return figures


PARSERS: dict[str, Callable[[str], list[Figure]]] = {
    "decrypt": decrypt_figures,
    "pipeline": pipeline_figures,
    "producer": producer_figures,
    "latency": latency_figures,
}


# --- the comparison ------------------------------------------------------------------------------


def _spread(values: Sequence[float]) -> float | None:
    """(max - min) / median of one side's rounds, or None with fewer than two."""
    if len(values) < 2:
        return None
    mid = statistics.median(values)
    return (max(values) - min(values)) / abs(mid) if mid else None


def verdict(before: Sequence[float], after: Sequence[float], higher_is_better: bool) -> str:
    """Within noise when |after/before - 1| is less than the larger relative spread between
    the rounds of one side; otherwise which way it moved and by how much."""
    if not before or not after:
        return NOT_REPORTED
    old, new = statistics.median(before), statistics.median(after)
    if old == new:
        return "same"
    if old == 0:
        return "before is 0: no ratio"
    change = new / old - 1
    spreads = [s for s in (_spread(before), _spread(after)) if s is not None]
    if not spreads:
        return f"{change:+.0%}; one round per side: no spread to judge noise by"
    noise = max(spreads)
    if abs(change) < noise:
        return f"within noise ({change:+.0%}, rounds spread {noise:.0%})"
    better = (change > 0) == higher_is_better
    return (f"**{'better' if better else 'worse'}** by {abs(change):.0%} "
            f"(beyond the rounds' spread of {noise:.0%})")


def _fmt(value: float | None) -> str:
    if value is None:
        return NOT_REPORTED
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def compare_rows(before: list[list[Figure]], after: list[list[Figure]]) -> list[str]:
    """Markdown table: one row per figure, each round of each side, medians, after÷before and
    the verdict. ``before[i]`` / ``after[i]`` are the figures of round i (an empty list for a
    round whose run failed)."""
    rounds = max(len(before), len(after))
    names: list[str] = []
    meta: dict[str, Figure] = {}
    for figures in [*before, *after]:
        for figure in figures:
            if figure.name not in meta:
                names.append(figure.name)
                meta[figure.name] = figure

    def values(side: list[list[Figure]], name: str) -> list[float | None]:
        out: list[float | None] = []
        for figures in side:
            found = next((f.value for f in figures if f.name == name), None)
            out.append(found)
        return out + [None] * (rounds - len(out))

    head = (["figure", "unit"] + [f"before r{i + 1}" for i in range(rounds)]
            + [f"after r{i + 1}" for i in range(rounds)]
            + ["before median", "after median", "after÷before", "verdict"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        old, new = values(before, name), values(after, name)
        old_ok = [v for v in old if v is not None]
        new_ok = [v for v in new if v is not None]
        old_med = statistics.median(old_ok) if old_ok else None
        new_med = statistics.median(new_ok) if new_ok else None
        ratio = (f"{new_med / old_med:.2f}" if old_med and new_med is not None
                 else NOT_REPORTED)
        cells = [name, meta[name].unit, *map(_fmt, old), *map(_fmt, new), _fmt(old_med),
                 _fmt(new_med), ratio, verdict(old_ok, new_ok, meta[name].higher_is_better)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
