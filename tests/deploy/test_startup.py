"""Start-up with a service down: one line naming the setting, and the exit code systemd acts on.

``core.exitcodes``: a dependency that does not answer is retried with backoff for
``SIMRS_BRIDGE_STARTUP_WAIT`` seconds and then exits 69 (restarted); a setting that is
wrong (a refused password) exits 2 at once (``RestartPreventExitStatus=2``).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from core import exitcodes
from core.keys import heartbeat_key
from core.settings import Settings
from sandbox.services import MariaDBServer, free_port

from .conftest import REPO, NotifySocket, env_for, spawn, stop


def run(command: list[str], env: dict[str, str]) -> tuple[int, str, str, float]:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "app.cli", *command], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=60, check=False)
    return result.returncode, result.stdout, result.stderr, time.monotonic() - started


def _dead(settings: Settings, which: str) -> str:
    port = free_port()
    if which == "redis_url":
        return f"redis://127.0.0.1:{port}/0"
    # The WS RS's own account defaults to port 3306; the test server's port is Khanza's.
    url = getattr(settings, "khanza_db_url" if which == "wsrs_db_url" else which)
    return url.render(reveal=True).replace(f":{url.port}/", f":{port}/")


@pytest.mark.parametrize(("command", "which"), [
    ("worker", "redis_url"), ("producer", "redis_url"), ("dashboard", "redis_url"),
    ("worker", "khanza_db_url"), ("producer", "khanza_db_url"),
    ("worker", "state_db_url"), ("producer", "state_db_url"), ("dashboard", "state_db_url"),
    ("wsrs", "wsrs_db_url"), ("wsrs", "redis_url"),
])
def test_a_dependency_down_at_start_is_retried_then_exit_69(
    command: str, which: str, bridge_settings: Settings, tmp_path: Path,
) -> None:
    # The WS RS refuses to start without the credentials BPJS was given.
    wsrs = {"wsrs_password": "rahasia-bpjs-123", "wsrs_token_key": "k" * 40,
            "wsrs_listen": "127.0.0.1:0",
            "wsrs_db_url": bridge_settings.khanza_db_url.render(reveal=True),
            } if command == "wsrs" else {}
    env = env_for(tmp_path, bridge_settings, startup_wait="2.5", dashboard_port="0",
                  **(wsrs | {which: _dead(bridge_settings, which)}))
    code, out, err, took = run([command], env)
    setting = f"SIMRS_BRIDGE_{which.upper()}"
    assert code == exitcodes.UNAVAILABLE, out + err
    assert err.count("\n") == 1, err
    assert err.startswith(f"simrs-bridge: {setting}: "), err
    assert "Traceback" not in out + err
    # Retried with backoff (1 s, then 2 s capped by the wait) before giving up, each try
    # one log line naming the setting with its time and offset.
    waits = [line for line in out.splitlines() if f"waiting: {setting}" in line]
    assert len(waits) >= 2, out
    assert waits[0].split()[0].endswith("+07:00"), waits[0]
    assert 2.5 <= took < 20


def test_a_refused_password_is_a_setting_error_not_retried(
    bridge_settings: Settings, mariadb_server: MariaDBServer, tmp_path: Path,
) -> None:
    url = bridge_settings.state_db_url
    wrong = f"mysql://{url.user}:wrong-password-7@{url.host}:{url.port}/{url.database}"
    env = env_for(tmp_path, bridge_settings, startup_wait="30", state_db_url=wrong)
    code, out, err, took = run(["producer"], env)
    assert code == exitcodes.CONFIG, out + err
    assert err.startswith("simrs-bridge: SIMRS_BRIDGE_STATE_DB_URL: ") and "1045" in err, err
    assert "wrong-password-7" not in out + err
    assert took < 20  # not the 30 s wait


def test_worker_starts_with_an_upstream_down_and_names_it(
    bridge_settings: Settings, tmp_path: Path, notify_socket: NotifySocket,
) -> None:
    dead = f"http://127.0.0.1:{free_port()}/antreanrs"
    env = env_for(tmp_path, bridge_settings, bpjs_base_url=dead)
    env["NOTIFY_SOCKET"] = str(notify_socket.path)
    log = tmp_path / "worker.log"
    process = spawn(["worker"], env, log)
    try:
        notify_socket.wait_for("READY=1", time.monotonic() + 30, process, log)
        deadline = time.monotonic() + 20
        while "SIMRS_BRIDGE_BPJS_BASE_URL" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        line = next(x for x in log.read_text().splitlines() if "SIMRS_BRIDGE_BPJS_BASE_URL" in x)
        assert "WARNING" in line and "jobs will wait and retry" in line
        assert process.poll() is None  # still running
        assert "SIMRS_BRIDGE_SIRS_BASE_URL" not in log.read_text()
    finally:
        stop(process)


async def test_worker_and_producer_beat_in_redis(
    bridge_settings: Settings, tmp_path: Path, redis: aioredis.Redis,
) -> None:
    await redis.delete(heartbeat_key("worker"), heartbeat_key("producer"))
    env = env_for(tmp_path, bridge_settings, producer_interval="0.5")
    processes = [spawn([name], env, tmp_path / f"{name}.log") for name in ("worker", "producer")]
    try:
        deadline = time.monotonic() + 30
        seen: dict[str, dict[bytes, bytes]] = {}
        while time.monotonic() < deadline and len(seen) < 2:
            for name in ("worker", "producer"):
                fields = await redis.hgetall(heartbeat_key(name))
                if fields:
                    seen[name] = fields
            await asyncio.sleep(0.2)
        assert set(seen) == {"worker", "producer"}, [
            (tmp_path / f"{n}.log").read_text()[-1500:] for n in ("worker", "producer")]
        for name, process in zip(("worker", "producer"), processes, strict=True):
            (field, value), = seen[name].items()
            assert field.decode().endswith(f":{process.pid}")
            assert abs(float(value) - time.time()) < 30
    finally:
        for process in processes:
            stop(process)
