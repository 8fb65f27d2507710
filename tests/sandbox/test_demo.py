"""The demo end to end: it comes up, the dashboard shows sends, Ctrl-C leaves nothing behind."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[2]


def descendants(root: int) -> set[int]:
    """Every process whose parent chain leads to ``root`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name may contain spaces; the fields after ')' are fixed.
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        children = {pid for pid, ppid in parents.items() if ppid in frontier}
        frontier = children - found
        found |= children
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def figures(url: str) -> dict[str, object] | None:
    try:
        async with aiohttp.ClientSession() as session, session.get(url + "api/figures") as r:
            return await r.json() if r.status == 200 else None
    except aiohttp.ClientError:
        return None


async def test_demo_runs_a_live_day_and_stops_cleanly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMRS_BRIDGE_")}
    env["PYTHONPATH"] = str(REPO)
    demo = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox.demo", "--dir", str(tmp_path / "demo"), "--bpjs-port",
        "0", "--sirs-port", "0", "--dashboard-port", "0", "--rate", "5", "--tour-delay", "2",
        cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert demo.stdout is not None
    lines: list[str] = []
    seen: set[int] = set()
    try:
        url = None
        deadline = time.monotonic() + 120
        while url is None:
            line = await asyncio.wait_for(demo.stdout.readline(), deadline - time.monotonic())
            assert line, "demo ended early:\n" + "".join(lines)
            lines.append(line.decode())
            if match := re.search(r"demo: dashboard (http://\S+/)", lines[-1]):
                url = match.group(1)
        # Live flow for a while: today's events reach both upstreams, on top of the sample day.
        first = await figures(url)
        assert first is not None
        start_calls = first["upstreams"]["bpjs"]["calls_last_hour"]  # type: ignore[index]
        deadline = time.monotonic() + 25
        while True:
            seen |= descendants(demo.pid)
            now = await figures(url)
            assert now is not None
            bpjs = now["upstreams"]["bpjs"]  # type: ignore[index]
            sirs = now["upstreams"]["sirs"]  # type: ignore[index]
            if bpjs["calls_last_hour"] >= start_calls + 10 and sirs["calls_last_hour"] >= 10:
                break
            assert time.monotonic() < deadline, f"no live sends: {bpjs}, {sirs}"
            await asyncio.sleep(0.5)
        assert bpjs["last_success"] and now["producer"]
        async with aiohttp.ClientSession() as session, session.get(url) as page:
            assert page.status == 200
            assert 'data-figure="bpjs-calls"' in await page.text()
        assert len(seen) >= 5, f"expected redis, mariadb, worker, producer, dashboard: {seen}"

        # The tour: a daily report accepted, then a BPJS outage opening and closing the circuit.
        # ... and the fake Mobile JKN's first round through the WS RS.
        tour = ("RS Online accepted the daily report", "the BPJS circuit is OPEN",
                "the BPJS circuit closed again", "Mobile JKN round 1: ")
        deadline = time.monotonic() + 240
        while not all(any(step in line for line in lines) for step in tour):
            line = await asyncio.wait_for(demo.stdout.readline(), deadline - time.monotonic())
            assert line, "demo ended early:\n" + "".join(lines)
            lines.append(line.decode())
        seen |= descendants(demo.pid)

        demo.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends
        rest = await asyncio.wait_for(demo.stdout.read(), 90)
        lines.append(rest.decode())
        assert await asyncio.wait_for(demo.wait(), 10) == 0
    finally:
        if demo.returncode is None:
            demo.kill()
            await demo.wait()
    output = "".join(lines)
    assert "demo: stopped" in output, output
    leftovers = sorted(pid for pid in seen if alive(pid))
    assert leftovers == [], f"processes left behind: {leftovers}"
