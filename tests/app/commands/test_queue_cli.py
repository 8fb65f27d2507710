"""migrate, producer --day, enqueue and dead-letters as an operator runs them."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date, timedelta

import aiomysql
import redis.asyncio as aioredis

from core.errors import Outcome
from core.keys import QUEUE_NAME
from core.state.deadletters import DeadLetters
from core.state.reports import DailyReports


async def cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def queued_ids(redis: aioredis.Redis) -> set[str]:
    return {raw.decode() for raw in await redis.zrange(QUEUE_NAME, 0, -1)}


async def test_migrate_then_up_to_date(bridge_env: dict[str, str]) -> None:
    code, out, _ = await cli(bridge_env, "migrate")
    assert code == 0 and "applied 0001_initial" in out
    code, out, _ = await cli(bridge_env, "migrate")
    assert (code, out.strip()) == (0, "state database is up to date")


async def test_producer_day_enqueues_the_sample_day(
    bridge_env: dict[str, str], redis: aioredis.Redis
) -> None:
    code, out, err = await cli(bridge_env, "producer", "--day", "2025-01-15")
    assert code == 0, err
    assert "5 visits" in out
    ids = await queued_ids(redis)
    assert "bpjs:booking:20250115000003" in ids
    assert "sirs:antrian:2025/01/15/000005" in ids
    code, out, _ = await cli(bridge_env, "producer", "--day", "2025-01-15")
    assert "already queued" in out and await queued_ids(redis) == ids


async def test_enqueue_coalesces(bridge_env: dict[str, str], redis: aioredis.Redis) -> None:
    kb = "20250115000003"  # a Mobile JKN booking of the sample day
    code, out, _ = await cli(bridge_env, "enqueue", "booking", kb, "--upstream", "bpjs")
    assert (code, out.strip()) == (0, f"bpjs:booking:{kb}: queued")
    code, out, _ = await cli(bridge_env, "enqueue", "booking", kb)
    assert f"bpjs:booking:{kb}: already queued or running" in out
    assert f"sirs:antrian:{kb}: queued" in out
    code, _, err = await cli(bridge_env, "enqueue", "report", "oksigen", "15-01-2025")
    assert code == 2 and "not yyyy-mm-dd" in err and err.count("\n") == 1
    code, out, _ = await cli(bridge_env, "enqueue", "beds", "--force")
    assert (code, out.strip()) == (0, "sirs:beds: queued")
    assert await queued_ids(redis) == {f"bpjs:booking:{kb}", f"sirs:antrian:{kb}", "sirs:beds"}


async def test_enqueue_refuses_what_would_do_nothing(
    bridge_env: dict[str, str], redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    code, out, err = await cli(bridge_env, "enqueue", "booking", "NOPE")
    assert code == 2 and out == "", out
    assert err == ("simrs-bridge: kodebooking 'NOPE': no such visit in Khanza (a Mobile JKN "
                   "nobooking, or an on-site no_rawat like 2025/01/15/000001); nothing queued\n")
    code, _, err = await cli(bridge_env, "enqueue", "report", "oksigen", "2025-01-15")
    assert code == 2 and "no oksigen report stored for 2025-01-15" in err, err
    assert await queued_ids(redis) == set()
    # Once the report is stored (the inbox or `sirs report` does that), it queues.
    await DailyReports(state_pool).upsert("oksigen", date(2025, 1, 15), {"p_cair": 1})
    code, out, err = await cli(bridge_env, "enqueue", "report", "oksigen", "2025-01-15")
    assert (code, out.strip()) == (0, "sirs:oksigen:2025-01-15: queued"), err
    # An on-site visit is found by its no_rawat.
    code, out, err = await cli(bridge_env, "enqueue", "booking", "2025/01/15/000005",
                               "--upstream", "sirs")
    assert code == 0, err


async def test_help_texts_are_there_and_plain() -> None:
    env = dict(os.environ)
    _, out, _ = await cli(env, "dead-letters", "list", "--help")
    assert "--limit N" in out and "at most N" in out
    _, out, _ = await cli(env, "--help")
    migrate = next(line for line in out.splitlines() if line.strip().startswith("migrate"))
    assert "state database" in migrate
    _, out, _ = await cli(env, "migrate", "--help")
    assert "every daemon does this at start" in out.lower()
    _, out, _ = await cli(env, "bpjs", "--help")
    assert "``" not in out and "exit codes:" in out


async def test_dead_letter_list_and_replay_once(
    bridge_env: dict[str, str], redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    letter = await DeadLetters(state_pool).add(
        "bpjs:booking:KB-9", "bpjs_booking", ["KB-9"], upstream="bpjs",
        outcome=Outcome.PERMANENT, code="201", message="task4: Rujukan tidak valid", attempts=1)
    code, out, _ = await cli(bridge_env, "dead-letters", "list")
    assert code == 0 and "task4: Rujukan tidak valid" in out and "1 open" in out
    # The table holds UTC; the operator reads the hospital's time with its offset.
    stored = (await DeadLetters(state_pool).get(letter)).failed_at  # type: ignore[union-attr]
    wib = f"{stored + timedelta(hours=7):%Y-%m-%d %H:%M:%S} +07:00"
    assert wib in out and "UTC" not in out, out
    code, out, _ = await cli(bridge_env, "dead-letters", "replay", str(letter))
    assert code == 0 and "queued again" in out
    assert await queued_ids(redis) == {"bpjs:booking:KB-9"}
    code, out, _ = await cli(bridge_env, "dead-letters", "replay", str(letter))
    assert code == 1 and "already replayed" in out
    code, _, err = await cli(bridge_env, "dead-letters", "replay")
    assert code == 2 and "needs a dead-letter ID" in err
