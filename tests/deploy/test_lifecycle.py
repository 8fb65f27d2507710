"""The three long-running commands under systemd's rules: notify, watchdog, drain, reload."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio as aioredis

from core.keys import QUEUE_NAME
from core.settings import Settings
from core.systemd import EXIT_RELOAD
from producers.loop import open_producer
from sandbox.fake_bpjs import RunningFake
from sandbox.fake_sirs import RunningFakeSirs
from sandbox.sample_day import DAY, preload_what_bpjs_already_has
from worker.main import build_worker

from .conftest import NotifySocket, env_for, spawn, stop

GRACE = 4


async def wait_until(check, deadline: float, what: str) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def exit_code(process: subprocess.Popen[bytes], within: float) -> tuple[int, float]:
    import asyncio

    started = time.monotonic()
    while process.poll() is None:
        if time.monotonic() - started > within:
            stop(process)
            raise AssertionError(f"still running {within:.0f} s after the signal")
        await asyncio.sleep(0.05)
    return process.returncode, time.monotonic() - started


@pytest.mark.parametrize("command", ["dashboard", "worker", "producer"])
async def test_notify_watchdog_and_sighup_restart(
    command: str, bridge_settings: Settings, redis: aioredis.Redis, tmp_path: Path,
    notify_socket: NotifySocket,
) -> None:
    env = env_for(tmp_path, bridge_settings, dashboard_port="0", producer_interval="0.5")
    env.update(NOTIFY_SOCKET=str(notify_socket.path), WATCHDOG_USEC="400000")
    log = tmp_path / f"{command}.log"
    process = spawn([command], env, log)
    try:
        notify_socket.wait_for("READY=1", time.monotonic() + 30, process, log)
        notify_socket.messages.clear()
        notify_socket.wait_for("WATCHDOG=1", time.monotonic() + 5, process, log)
        process.send_signal(signal.SIGHUP)
        code, _ = await exit_code(process, within=GRACE + 20)
        notify_socket.wait_for("STOPPING=1", time.monotonic() + 1, process, log)
        assert code == EXIT_RELOAD, log.read_text()
        assert "SIGHUP" in log.read_text()
    finally:
        stop(process)


async def test_worker_drains_on_sigterm_and_loses_nothing(
    bridge_settings: Settings, fake_bpjs: RunningFake, fake_sirs: RunningFakeSirs,
    redis: aioredis.Redis, tmp_path: Path,
) -> None:
    await preload_what_bpjs_already_has(bridge_settings, fake_bpjs.state)
    async with open_producer(bridge_settings) as producer:
        queued = (await producer.cycle(today=DAY)).enqueued
        assert sum(queued.values()) == 10
        # Every BPJS call takes a second: the walk-in's job (add + 3 tasks) outlasts the grace.
        async with aiohttp.ClientSession() as session:
            await session.put(fake_bpjs.root_url + "/_fake/faults", json={"latency": 1.0})
        env = env_for(tmp_path, bridge_settings, shutdown_grace=str(GRACE), worker_max_jobs="4")
        log = tmp_path / "worker.log"
        process = spawn(["worker"], env, log)
        try:
            async def busy() -> bool:
                return bool([k async for k in redis.scan_iter(match="arq:in-progress:bpjs:*")])

            await wait_until(busy, time.monotonic() + 30, "a BPJS job in flight")
            process.send_signal(signal.SIGTERM)
            code, took = await exit_code(process, within=GRACE + 10)
        finally:
            stop(process)
        assert code == 0, log.read_text()
        assert took <= GRACE + 5
        output = log.read_text()
        assert "SIGTERM" in output
        left = {m.decode() for m in await redis.zrange(QUEUE_NAME, 0, -1)}
        assert left, "with 1 s per call some work must still be queued after the grace"
        assert not [k async for k in redis.scan_iter(match="arq:in-progress:*")]

        # Nothing lost: a worker started afterwards (fast upstream) finishes the day.
        async with aiohttp.ClientSession() as session:
            await session.put(fake_bpjs.root_url + "/_fake/faults", json={"latency": 0})
        worker = build_worker(bridge_settings, burst=True)
        await worker.async_run()
        await worker.close()
        assert set(fake_bpjs.state.bookings) == {
            "20250115000001", "20250115000002", "20250115000003", "20250115000004",
            "2025/01/15/000005"}
        assert {t.taskid for t in fake_bpjs.state.bookings["2025/01/15/000005"].tasks.values()
                } == {3, 4, 5}
        assert (await producer.cycle(today=DAY)).enqueued == {}
