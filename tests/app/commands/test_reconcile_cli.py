"""``simrs-bridge reconcile`` as an operator runs it: the report, exit codes, bad input."""

from __future__ import annotations

import asyncio
import json
import sys

import redis.asyncio as aioredis

from core.keys import QUEUE_NAME
from sandbox.fake_bpjs import RunningFake


async def cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_reconcile_prints_what_it_did_and_calls_per_booking(
    bridge_env: dict[str, str], fake_bpjs: RunningFake, redis: aioredis.Redis,
) -> None:
    code, out, err = await cli(bridge_env, "reconcile", "--date", "2025-01-15", "--json")
    assert err == ""
    report = json.loads(out)
    # An empty BPJS: every visit with an add body is sent whole, in order.
    assert report["resent"]["2025/01/15/000005"] == ["add", "task3", "task4", "task5"]
    assert report["calls"]["2025/01/15/000005"] == {"sent": 4, "getlisttask": 1}
    assert report["pendaftaran_calls"] == 1
    assert set(fake_bpjs.state.bookings) >= {"2025/01/15/000005", "20250115000001"}
    assert code == (1 if report["incomplete"] or report["contradictions"] else 0)

    code, out, _ = await cli(bridge_env, "reconcile", "--date", "2025-01-15")
    assert "already confirmed" in out and "calls: pendaftaran 1" in out


async def test_enqueue_hands_it_to_the_worker(
    bridge_env: dict[str, str], redis: aioredis.Redis,
) -> None:
    code, out, _ = await cli(bridge_env, "reconcile", "--date", "2025-01-15", "--enqueue")
    assert code == 0 and "bpjs:reconcile:2025-01-15: queued" in out
    assert b"bpjs:reconcile:2025-01-15" in await redis.zrange(QUEUE_NAME, 0, -1)


async def test_a_bad_date_is_one_line_and_exit_2(bridge_env: dict[str, str]) -> None:
    code, out, err = await cli(bridge_env, "reconcile", "--date", "15-01-2025")
    assert (code, out) == (2, "")
    assert err.strip() == "simrs-bridge: --date '15-01-2025' is not yyyy-mm-dd"
