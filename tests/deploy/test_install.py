"""deploy/install.sh into a staging root: idempotent, never overwrites settings, starts nothing."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO


def run_install(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMRS_BRIDGE_")}
    env["SIMRS_BRIDGE_ROOT"] = str(root)
    # The dependencies are pip's business; installing them again here would take a minute.
    env["SIMRS_BRIDGE_PIP_ARGS"] = "--no-deps"
    return subprocess.run(["bash", str(REPO / "deploy" / "install.sh"), *args], env=env,
                          capture_output=True, text=True, check=False, timeout=600)


@pytest.mark.skipif(shutil.which("python3") is None, reason="needs python3")
def test_install_twice_into_a_staging_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    first = run_install(root)
    assert first.returncode == 0, first.stdout + first.stderr
    prefix = root / "opt" / "simrs-bridge"
    entry = prefix / "venv" / "bin" / "simrs-bridge"
    assert "app.cli" in entry.read_text()
    shown = subprocess.run([str(prefix / "venv" / "bin" / "python"), "-m", "pip", "show",
                            "simrs-bridge"], capture_output=True, text=True, check=False)
    assert "Location:" in shown.stdout and "editable" not in shown.stdout.lower(), shown.stdout
    env = root / "etc" / "simrs-bridge" / "env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert env.read_text() == (REPO / "deploy" / "env.example").read_text()
    units = sorted(p.name for p in (root / "etc" / "systemd" / "system").iterdir())
    assert units == ["simrs-bridge-dashboard.service", "simrs-bridge-producer.service",
                     "simrs-bridge-worker.service", "simrs-bridge-wsrs.service"]
    worker = (root / "etc/systemd/system/simrs-bridge-worker.service").read_text()
    assert f"ExecStart={entry} worker" in worker
    assert (prefix / "docs" / "operations.md").is_file()

    env.write_text("SIMRS_BRIDGE_BPJS_SECRET=the-hospital-s-own\n")
    second = run_install(root)
    assert second.returncode == 0, second.stdout + second.stderr
    assert env.read_text() == "SIMRS_BRIDGE_BPJS_SECRET=the-hospital-s-own\n"
    assert "keeping" in second.stdout and "installed /" not in second.stdout
    assert "start" not in second.stdout.replace("--start", "").replace("nothing started", "")
    refused = run_install(root, "--start")
    assert refused.returncode != 0
