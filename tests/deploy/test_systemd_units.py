"""The four units pass ``systemd-analyze verify`` and keep the hardening they promise."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core import exitcodes
from core.settings import Settings
from core.systemd import EXIT_RELOAD

from .conftest import REPO

UNITS = sorted((REPO / "deploy" / "systemd").glob("simrs-bridge-*.service"))
INSTALLED_BIN = "/opt/simrs-bridge/venv/bin/simrs-bridge"


def parse(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    return parser


def test_one_unit_per_long_running_command() -> None:
    assert [u.name for u in UNITS] == ["simrs-bridge-dashboard.service",
                                       "simrs-bridge-producer.service",
                                       "simrs-bridge-worker.service",
                                       "simrs-bridge-wsrs.service"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.stem)
def test_unit_runs_its_command_hardened_under_notify(unit: Path) -> None:
    service = parse(unit)["Service"]
    command = unit.stem.removeprefix("simrs-bridge-")
    assert service["ExecStart"] == f"{INSTALLED_BIN} {command}"
    expected = {
        "Type": "notify", "User": "simrs-bridge", "Group": "simrs-bridge",
        "EnvironmentFile": "/etc/simrs-bridge/env", "Restart": "on-failure",
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
        "ProtectHome": "yes", "RestartForceExitStatus": str(EXIT_RELOAD),
        # A wrong setting fails the same way every time: no restart loop on it.
        "RestartPreventExitStatus": str(exitcodes.CONFIG),
    }
    assert {k: service.get(k) for k in expected} == expected
    assert int(service["WatchdogSec"]) >= 10
    assert "HUP" in service["ExecReload"]
    # The start-up wait for Redis and the databases ends before systemd gives up on READY=1,
    # so the daemon exits with its own one-line reason (69) instead of being killed.
    # (the wait's bound, plus one probe's 10 s timeout).
    bound = next(m.le for m in Settings.model_fields["startup_wait"].metadata if hasattr(m, "le"))
    assert int(service["TimeoutStartSec"]) > bound + 10


def test_worker_stops_later_than_its_default_grace() -> None:
    from core.settings import Settings

    grace = Settings.model_fields["shutdown_grace"].default
    stop = int(parse(REPO / "deploy/systemd/simrs-bridge-worker.service")["Service"][
        "TimeoutStopSec"])
    assert stop >= grace + 10


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze missing: install Debian's systemd package")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify checks that ExecStart exists; point it at this checkout's entry point.
    entry = str(Path(sys.executable).parent / "simrs-bridge")
    assert Path(entry).exists()
    copies = []
    for unit in UNITS:
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace(INSTALLED_BIN, entry))
        copies.append(str(copy))
    result = subprocess.run(["systemd-analyze", "verify", *copies], capture_output=True,
                            text=True, check=False, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    ours = [line for line in output.splitlines() if "simrs-bridge" in line]
    assert ours == [], "systemd-analyze complained:\n" + "\n".join(ours)
