"""The release artifacts: ``python -m build`` makes a wheel and an sdist that carry what
``deploy/install.sh`` installs, and the wheel installs offline into a fresh virtualenv.

PyPI is used once, to fetch the build backend and the dependencies into a directory
(pip's cache makes later runs quick); the install itself is ``--no-index``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import REPO

pytestmark = pytest.mark.timeout(900)

VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
# What install.sh and the docs take from <venv>/share/simrs-bridge.
SHIPPED = [
    "systemd/simrs-bridge-worker.service", "systemd/simrs-bridge-producer.service",
    "systemd/simrs-bridge-dashboard.service", "systemd/simrs-bridge-wsrs.service",
    "env.example", "redis.conf", "install.sh",
    "provision.sh", "sql/provision.sql", "prometheus/alerts.yml", "nginx/simrs-bridge.conf",
    "docs/operations.md", "docs/install.md", "docs/wsrs.md", "CHANGELOG.md",
]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
                            capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    yield out, result.stdout + result.stderr


def test_version_has_a_changelog_section() -> None:
    changelog = (REPO / "CHANGELOG.md").read_text()
    first = re.search(r"^## (\S+)", changelog, re.MULTILINE)
    assert first and first.group(1) == VERSION, "the newest CHANGELOG section is the version"


def test_build_is_quiet_about_the_license(dist: tuple[Path, str]) -> None:
    _, log = dist
    assert "License classifiers are deprecated" not in log
    assert "project.license` as a TOML table is deprecated" not in log


def test_wheel_carries_everything_install_needs(dist: tuple[Path, str]) -> None:
    out, _ = dist
    wheel = out / f"simrs_bridge-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"simrs_bridge-{VERSION}.dist-info/METADATA").decode()
    prefix = f"simrs_bridge-{VERSION}.data/data/share/simrs-bridge/"
    missing = [f for f in SHIPPED if prefix + f not in names]
    assert not missing, missing
    assert "License-Expression: MIT" in metadata
    assert "core/state/migrations/0001_init.sql" in names or any(
        n.startswith("core/state/migrations/") and n.endswith(".sql") for n in names)


def test_sdist_carries_deploy_docs_and_changelog(dist: tuple[Path, str]) -> None:
    out, _ = dist
    with tarfile.open(out / f"simrs_bridge-{VERSION}.tar.gz") as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    for path in ("CHANGELOG.md", "deploy/install.sh", "deploy/sql/provision.sql",
                 "deploy/systemd/simrs-bridge-worker.service", "docs/install.md"):
        assert path in names, path


def test_install_sh_installs_the_wheel_offline(dist: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = dist
    wheel = out / f"simrs_bridge-{VERSION}-py3-none-any.whl"
    deps = tmp_path / "deps"
    fetched = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "-d", str(deps),
                              str(wheel)], capture_output=True, text=True, check=False,
                             timeout=600)
    if fetched.returncode != 0:
        pytest.skip(f"cannot fetch the dependencies once (no PyPI?): {fetched.stderr[-500:]}")
    (deps / wheel.name).unlink(missing_ok=True)  # the wheel itself comes from --wheel
    root = tmp_path / "root"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SIMRS_BRIDGE_", "PIP_"))}
    env.update(SIMRS_BRIDGE_ROOT=str(root), PIP_NO_INDEX="1")  # belt and braces: no network
    # Run the copy of install.sh that the wheel itself ships, as a hospital would.
    with zipfile.ZipFile(wheel) as archive:
        script = archive.read(f"simrs_bridge-{VERSION}.data/data/share/simrs-bridge/install.sh")
    (tmp_path / "install.sh").write_bytes(script)
    result = subprocess.run(["bash", str(tmp_path / "install.sh"), "--wheel", str(wheel),
                             "--offline", str(deps)], env=env, capture_output=True, text=True,
                            check=False, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    prefix = root / "opt" / "simrs-bridge"
    version = subprocess.run([str(prefix / "venv" / "bin" / "simrs-bridge"), "--version"],
                             capture_output=True, text=True, check=False)
    assert version.stdout.strip() == f"simrs-bridge {VERSION}"
    assert f"installed simrs-bridge {VERSION}" in result.stdout
    units = sorted(p.name for p in (root / "etc" / "systemd" / "system").iterdir())
    assert units == ["simrs-bridge-dashboard.service", "simrs-bridge-producer.service",
                     "simrs-bridge-worker.service", "simrs-bridge-wsrs.service"]
    assert (root / "etc" / "simrs-bridge" / "env").read_text() == (
        REPO / "deploy" / "env.example").read_text()
    assert (prefix / "docs" / "install.md").is_file()
    # The installed command runs from the fresh venv, not from this checkout.
    where = subprocess.run([str(prefix / "venv" / "bin" / "python"), "-c",
                            "import core; print(core.__file__)"], capture_output=True,
                           text=True, check=False, cwd=tmp_path)
    assert str(prefix) in where.stdout, where.stdout + where.stderr
