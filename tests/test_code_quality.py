"""The style the project promises: ruff-clean everywhere, mypy --strict on the package.

Part of the suite (not a separate CI step) so that `bash deploy/test.sh` is the
one command that says whether a change is fit to land.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True,
                          text=True, check=False, timeout=600)


def test_ruff_is_clean() -> None:
    result = run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean() -> None:
    result = run("mypy", "core", "producers", "worker", "wsrs", "app", "sandbox")
    assert result.returncode == 0, result.stdout + result.stderr
