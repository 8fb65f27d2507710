"""Dead letters that say what to do, and a replay that will not resend a refused payload
unchanged unless asked to (``--force``)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from core.settings import Settings
from sandbox.services import MariaDBServer
from worker.jobs.booking import bpjs_booking
from worker.services import Services, open_services

KODE = "20250115000003"


async def cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
async def services(bridge_settings: Settings, redis: aioredis.Redis) -> AsyncIterator[Services]:
    opened = await open_services(bridge_settings)
    yield opened
    await opened.close()


async def test_a_refused_referral_says_where_to_fix_it_and_replays_only_when_fixed(
    services: Services, bridge_env: dict[str, str], mariadb_server: MariaDBServer,
    fresh_khanza_db: str,
) -> None:
    mariadb_server.sql("UPDATE referensi_mobilejkn_bpjs SET nomorreferensi = '-'"
                       " WHERE nobooking = '20250115000003'", fresh_khanza_db)
    ctx = {"services": services, "job_try": 1, "job_id": "test"}
    assert (await bpjs_booking(ctx, KODE)).startswith("stopped at add (permanent)")
    [letter] = await services.dead_letters.open()
    assert letter.visit == {"no_rawat": "2025/01/15/000003", "tanggal": "2025-01-15",
                            "poli": "ANA", "dokter": "99902", "patient": "**0001"}
    assert letter.step == "add" and letter.data_error
    assert "fix the referral number in Khanza" in letter.hint

    code, out, _ = await cli(bridge_env, "dead-letters", "list")
    assert "visit: no_rawat=2025/01/15/000003" in out and "patient=**0001" in out
    assert "000001" not in out.replace("2025/01/15/000001", "")
    assert "what to do: fix the referral number in Khanza" in out

    # Unchanged in Khanza: refused without --force, sent with it.
    code, out, _ = await cli(bridge_env, "dead-letters", "replay", str(letter.id))
    assert code == 1 and "not replayed: the payload is unchanged" in out
    assert "--force" in out
    code, out, _ = await cli(bridge_env, "dead-letters", "replay", str(letter.id), "--force")
    assert code == 0 and "queued again" in out

    # Another refusal; once the referral is fixed in Khanza, a plain replay goes through.
    await bpjs_booking(ctx, KODE, force=True)
    second = (await services.dead_letters.open())[0]
    assert second.id != letter.id
    mariadb_server.sql("UPDATE referensi_mobilejkn_bpjs SET nomorreferensi = 'RUJ-FIXED'"
                       " WHERE nobooking = '20250115000003'", fresh_khanza_db)
    code, out, _ = await cli(bridge_env, "dead-letters", "replay", str(second.id))
    assert code == 0 and f"{second.id}: bpjs:booking:{KODE} queued again" in out
