"""The chaos suite (``bench/chaos.py``) at its quick size, as CI runs it.

The script starts its own private servers, fakes and supervised daemons; this
test runs it once and reads the figure table it prints: nothing lost, nothing
invalid accepted, no process exit, no audit row lost, no delivery invented
or reordered.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def figures(report: str) -> dict[str, str]:
    rows = [line.strip("|").split(" | ") for line in report.splitlines()
            if line.startswith("| ") and not line.startswith("| figure")]
    return {what.strip(): value.strip() for what, value in rows}


def test_the_quick_chaos_suite_loses_nothing_and_stops_nothing(tmp_path: Path) -> None:
    out = tmp_path / "chaos.md"
    run = subprocess.run(
        [sys.executable, "bench/chaos.py", "--quick", "--out", str(out),
         "--keep-logs", str(tmp_path / "logs")],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    table = figures(out.read_text())
    assert table["A. valid stored / lost"].endswith("/ 0")
    assert table["A. invalid rejected with a reason / accepted"].endswith("/ 0")
    assert table["B. deliveries lost / invented / out of order"] == "0 / 0 / 0"
    assert table["B. inbox event pushed after FLUSHALL stored"] == "yes"
    assert "lost / invented / out of order 0 / 0 / 0" in table[
        next(k for k in table if k.startswith("C. visits sent"))]
    assert table["C. upstream calls / audit rows / audit rows lost"].endswith("/ 0")
    assert table["process exits (producer / worker), not counting our SIGKILL"] == "0 / 0"
    _, _, after = table["A. Redis used_memory peak / after"].partition(" / ")
    assert float(after.split()[0]) < 5.0  # MB, after 10 MB of 1 MB entries
