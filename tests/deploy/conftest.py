"""Running the real commands as systemd would: subprocesses, an env file, a notify socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from sandbox.demo import settings_values, write_env

REPO = Path(__file__).resolve().parents[2]


def env_for(tmp_path: Path, settings: Settings, **overrides: str) -> dict[str, str]:
    """The environment of a unit: nothing but PATH-like basics and the env file."""
    values = settings_values(settings)
    values.update({k.upper(): v for k, v in overrides.items()})
    path = tmp_path / "env"
    write_env(path, values)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SIMRS_BRIDGE_", "NOTIFY_SOCKET", "WATCHDOG_"))}
    env["SIMRS_BRIDGE_ENV_FILE"] = str(path)
    env["PYTHONPATH"] = str(REPO)
    return env


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "app.cli", *command], env=env,
                                cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


class NotifySocket:
    """What systemd listens on: a datagram socket collecting the sd_notify messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[str] = []

    def wait_for(self, message: str, deadline: float, process: subprocess.Popen[bytes],
                 log: Path) -> None:
        while time.monotonic() < deadline:
            if any(message in m.splitlines() for m in self.messages):
                return
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                if process.poll() is not None and message != "STOPPING=1":
                    break
        raise AssertionError(f"no {message} from the process; got {self.messages}; "
                             f"log:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    # Unix socket paths are short (~107 bytes): keep it near the root of tmp.
    sock = NotifySocket(Path(f"/tmp/sd-{os.getpid()}-{time.monotonic_ns()}.sock"))
    yield sock
    sock.sock.close()
    sock.path.unlink(missing_ok=True)
