"""``bench/compare.py``: figures read back from the benchmarks' reports, flags both sides
accept, and the verdict against the spread between rounds.

The report snippets below are the benchmarks' own output (``render``/``report`` of each
script, as written by a run on this machine), cut to the tables the comparison reads.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import compare  # noqa: E402
from compare_figures import (  # noqa: E402
    Figure,
    compare_rows,
    decrypt_figures,
    latency_figures,
    pipeline_figures,
    producer_figures,
    verdict,
)

PIPELINE = """# Pipeline benchmark

vm · 2 CPUs · Python 3.11.7 · 2026-12-05 14:12 · load average 2.8 at start · worker_max_jobs 20

| measure | jobs/s | CPU ms per job | upstream calls/s | ratio to (a) | target |
|---|---|---|---|---|---|
| (a) arq no-op (one worker, JSON, 5000 jobs) | 1,071 | 0.9 | | 100% | |
| (b) pipeline, this code, one worker (1000 visits, 2000 jobs, 4830 calls, limits off) | \
612 | 6.7 | 1478 | 57% | ≥ 50%: met |
| (c) worker RSS, max over 15 s with 20000 jobs queued (3100 done meanwhile) | 65 MB \
(start 48, end 65) | | | | < 150 MB: met |
"""

PRODUCER = """| measure | small | large | large/small | target |
|---|---|---|---|---|
| `Producer.cycle` | 412 ms (min 350, max 470) | 440 ms (min 420, max 460) | 1.07 | < 1.5: met |
| `load_window` alone | 26 ms (min 26, max 29) | 27 ms (min 26, max 30) | 1.03 | |
| Handler_read_* per cycle | 3,012 | 2,987 | 0.99 | ≈ 1 (< 1.5): met |
"""

DECRYPT = """| payload | JSON KiB | ciphertext KiB | Node ms | ours, pure Python ms | vs Node |
|---|---|---|---|---|---|
| 7 rows ASCII | 1.2 | 1.0 | 0.35 | 0.13 | 0.38x |
| 5000 rows ASCII | 841.9 | 148.4 | 20.9 | 19.6 | 0.94x |
| 50000 rows ASCII | 8,419.4 | 1,084.0 | 208.4 | 218.9 | 1.05x |

## Event loop stall

| payload | idle loop | `decrypt_json_async` | `asyncio.to_thread(decrypt_json)` \
| process pool `decrypt` + `json.loads` | longest GC pause |
|---|---|---|---|---|---|
| 5000 rows ASCII | 1.1 (1.3) | **3.4 (6.0)** ok | 9.9 (12.0) | 2.0 (2.2) | 0.4 |
"""

LATENCY = """| scenario | accepted | p50 | p90 | p99 | max | target p99 |
|---|---|---|---|---|---|---|
| polling, interval 1 s | 300/300 | 0.62 s | 1.01 s | 1.14 s | 1.20 s | < 3 s: met |
| inbox nudge, interval 1 s | 300/300 | 0.17 s | 0.28 s | 0.39 s | 0.51 s | < 1 s: met |
| baseline: Khanza's own sender runs every 10 minutes: ~300 s mean, 600 s worst | | 300 s \
| | | 600 s | |

| scenario | producer cycles with an enqueue | cycle duration p50 / max | arq queue wait |
|---|---|---|---|
| polling, interval 1 s | 24 | 50 / 110 ms | - |
"""


def values(figures: list[Figure]) -> dict[str, float | None]:
    return {f.name: f.value for f in figures}


def test_pipeline_figures_come_from_their_rows() -> None:
    got = values(pipeline_figures(PIPELINE))
    assert got["(a) arq no-op ceiling, jobs/s"] == 1071
    assert got["(b) pipeline, jobs/s"] == 612
    assert got["(b) pipeline, CPU ms per job"] == 6.7
    assert got["(b) ratio to arq's ceiling (a)"] == 57
    assert got["(c) worker RSS, max"] == 65


def test_producer_figures_come_from_their_rows() -> None:
    got = values(producer_figures(PRODUCER))
    assert got["`Producer.cycle`, small database (median)"] == 412
    assert got["`Producer.cycle`, with history (median)"] == 440
    assert got["rows read per cycle, with history"] == 2987
    assert got["`load_window` alone, with history"] == 27


def test_decrypt_figures_are_microseconds_and_the_stall_comes_from_its_own_table() -> None:
    got = values(decrypt_figures(DECRYPT))
    assert got["ours, 7 rows ASCII, µs per response"] == 130
    assert got["ours, 50000 rows ASCII, µs per response"] == 218_900
    assert got["Node (same on both sides), 50000 rows ASCII, µs"] == 208_400
    # The first table's "5000 rows ASCII" row also has six cells: the stall is not 841.9.
    assert got["event-loop stall, `decrypt_json_async`, 5000 rows ASCII (median)"] == 3.4
    assert got["ours, 300 rows intl, µs per response"] is None


def test_latency_figures_per_scenario_stop_at_the_baseline_row() -> None:
    got = values(latency_figures(LATENCY))
    assert got == {
        "polling, interval 1 s: p50": 0.62, "polling, interval 1 s: p99": 1.14,
        "polling, interval 1 s: max": 1.20, "inbox nudge, interval 1 s: p50": 0.17,
        "inbox nudge, interval 1 s: p99": 0.39, "inbox nudge, interval 1 s: max": 0.51,
    }


def test_a_report_without_the_figures_says_not_reported_instead_of_failing() -> None:
    for parse in (pipeline_figures, producer_figures, decrypt_figures):
        assert all(f.value is None for f in parse("# a report\n\nnothing measured\n"))
    assert latency_figures("garbage | with | bars\n") == []
    empty = pipeline_figures("")
    table = "\n".join(compare_rows([empty], [pipeline_figures(PIPELINE)]))
    assert "| (b) pipeline, jobs/s | jobs/s | not reported | 612 | not reported | 612 | " \
           "not reported | not reported |" in table


def test_compare_rows_show_every_round_medians_and_the_ratio() -> None:
    def fig(value: float) -> list[Figure]:
        return [Figure("jobs", value, "jobs/s", higher_is_better=True)]

    lines = compare_rows([fig(100), fig(110)], [fig(104), fig(108)])
    assert lines[0].startswith("| figure | unit | before r1 | before r2 | after r1 | after r2 |")
    assert lines[2].startswith("| jobs | jobs/s | 100 | 110 | 104 | 108 | 105 | 106 | 1.01 |")
    assert "within noise" in lines[2]


def test_verdict_weighs_the_change_against_the_spread_between_rounds() -> None:
    assert verdict([100, 110], [104, 108], higher_is_better=True).startswith("within noise")
    # 10 % spread between rounds, 30 % change: beyond it, and which way is "better".
    assert verdict([100, 110], [70, 72], higher_is_better=True).startswith("**worse** by 32%")
    assert verdict([100, 110], [70, 72], higher_is_better=False).startswith("**better**")
    assert verdict([3012, 3012], [3012, 3012], higher_is_better=False) == "same"
    assert "no spread" in verdict([100], [120], higher_is_better=True)
    assert verdict([], [120], higher_is_better=True) == "not reported"


def test_a_flag_one_side_lacks_is_dropped_for_both_with_its_value() -> None:
    old = "usage: x [--visits VISITS] [--changes CHANGES]\n  --scenarios {poll-1s,nudge-1s}"
    new = ("usage: x [--visits VISITS] [--changes CHANGES] [--idle IDLE]\n"
           "  --scenarios {poll-1s,nudge-1s,cdc}")
    kept, dropped = compare.common_flags(
        ["--visits", "200", "--idle", "5", "--changes", "200"], [old, new])
    assert kept == ["--visits", "200", "--changes", "200"]
    assert dropped == ["--idle"]
    # A flag whose name is a prefix of another (--no-stall vs --no-stall-x) is not found.
    assert compare.common_flags(["--no"], ["--no-install"]) == ([], ["--no"])
    assert compare.scenario_choices(old) == ["poll-1s", "nudge-1s"]
    assert compare.scenario_choices(new) == ["poll-1s", "nudge-1s", "cdc"]
