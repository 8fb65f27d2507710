"""Poison entries and a lost Redis: nothing pushed into the inbox, and no FLUSHALL, stops it.

Each test pushes what a broken (or hostile) SIMRS could push, with real Redis
and a real state database, and checks that the entry is refused with a reason,
that the good entries around it are stored, and that Redis memory stays bounded.
"""

from __future__ import annotations

import asyncio
import json

import aiomysql
import pytest
import redis.asyncio as aioredis

from core.health import Loops
from core.keys import INBOX_REJECTED_STREAM, INBOX_STREAM
from core.state.kebutuhan import KebutuhanStore
from core.state.reports import DailyReports
from producers.inbox import Inbox

from .test_inbox import (
    DAY,
    OKSIGEN,
    SDM,
    drain,
    inbox,
    make_inbox,
    nudge,
    pending_count,
    push,
    queue,
    rejected,
)

__all__ = ["inbox", "make_inbox", "nudge", "queue"]  # fixtures used by name


async def test_an_array_nested_3000_deep_is_rejected_and_its_neighbours_stored(
    inbox: Inbox, redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    await push(redis, OKSIGEN)
    head = '{"kind": "oksigen", "tanggal": "2025-01-16", "p_cair": '
    nested = head + "[" * 3000 + "]" * 3000 + "}"
    await push(redis, nested)
    await push(redis, SDM)
    stats = await drain(inbox)
    assert (stats.stored, stats.rejected) == (2, 1)
    assert await pending_count(redis) == 0
    [record] = await rejected(redis)
    assert record["reason"].startswith("event: is nested deeper than"), record["reason"]
    assert await DailyReports(state_pool).get("oksigen", DAY) is not None
    assert await KebutuhanStore(state_pool).get("sdm", "26") is not None


async def test_lone_surrogates_in_a_name_or_value_are_rejected_with_an_encodable_reason(
    inbox: Inbox, redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    # json.dumps writes "\udc80" as the escape, exactly what a broken SIMRS sends.
    await push(redis, json.dumps({**OKSIGEN, "\udc80": 1}))
    await push(redis, json.dumps({**SDM, "id_kebutuhan": "26\udc80"}))
    await push(redis, json.dumps({"kind": "oks\udc80igen"}))
    await push(redis, {**OKSIGEN, "tanggal": "2025-01-17"})
    stats = await drain(inbox)
    assert (stats.stored, stats.rejected) == (1, 3)
    assert await pending_count(redis) == 0
    reasons = [r["reason"] for r in await rejected(redis)]
    assert reasons[0] == "field name: is not valid Unicode text (lone surrogate)"
    assert reasons[1].startswith("sdm.id_kebutuhan: is not valid Unicode text")
    assert reasons[2].startswith("kind: unknown kind")
    for reason in reasons:
        reason.encode("utf-8")  # what Redis got is text a person can read
    assert await KebutuhanStore(state_pool).get("sdm", "26") is None


async def test_after_flushall_the_group_is_recreated_and_new_events_are_stored(
    inbox: Inbox, redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    await push(redis, OKSIGEN)
    assert (await drain(inbox)).stored == 1
    await redis.flushall()
    await push(redis, SDM)  # the SIMRS carries on: XADD makes a new stream without a group
    stats = await drain(inbox)
    stats += await drain(inbox)
    assert stats.stored == 1
    assert await pending_count(redis) == 0
    assert await KebutuhanStore(state_pool).get("sdm", "26") is not None


async def test_the_run_loop_recovers_from_flushall_and_reports_its_health(
    inbox: Inbox, redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    loops = Loops()
    loops.watch("inbox", stale_after=60)
    stop = asyncio.Event()
    task = asyncio.create_task(inbox.run(stop, block_ms=50, health=loops))
    try:
        await push(redis, OKSIGEN)
        for _ in range(200):
            if await DailyReports(state_pool).get("oksigen", DAY) is not None:
                break
            await asyncio.sleep(0.05)
        await redis.flushall()
        await push(redis, SDM)
        for _ in range(200):
            if await KebutuhanStore(state_pool).get("sdm", "26") is not None:
                break
            await asyncio.sleep(0.05)
        assert await KebutuhanStore(state_pool).get("sdm", "26") is not None
        assert loops.problems() == []
    finally:
        stop.set()
        await task


async def test_a_loop_that_keeps_failing_is_reported_unhealthy(
    inbox: Inbox, redis: aioredis.Redis
) -> None:
    await redis.set(INBOX_STREAM, b"not a stream")  # every read now fails (WRONGTYPE)
    loops = Loops()
    loops.watch("inbox", stale_after=0.3)
    stop = asyncio.Event()
    task = asyncio.create_task(inbox.run(stop, block_ms=50, health=loops))
    await asyncio.sleep(0.8)
    stop.set()
    await task
    [problem] = loops.problems()
    assert problem.startswith("inbox has not worked for") and "WRONGTYPE" in problem


async def test_one_megabyte_entries_are_rejected_and_do_not_pile_up_in_redis(
    inbox: Inbox, redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    big = json.dumps({**OKSIGEN, "tanggal": "2025-01-20", "catatan": "x" * 1_000_000})
    for _ in range(30):
        await push(redis, big)
    await redis.xadd(INBOX_STREAM, {"kind": "oksigen", "tanggal": "2025-01-15",
                                    "p_cair": "1", "pad": "y" * 1_000_000})
    await push(redis, OKSIGEN)
    stats = await drain(inbox)
    assert (stats.stored, stats.rejected) == (1, 31)
    records = await rejected(redis)
    assert records[0]["reason"].startswith("entry: is 100")
    assert records[0]["truncated"] == "1"
    used = sum([int(await redis.memory_usage(key, samples=0) or 0)
                for key in (INBOX_STREAM, INBOX_REJECTED_STREAM)])
    assert used < 1_000_000, used  # 31 MB were pushed


async def test_trimming_keeps_acknowledged_history_within_its_byte_budget(
    make_inbox, redis: aioredis.Redis  # type: ignore[no-untyped-def]
) -> None:
    inbox = make_inbox(history=10_000, history_bytes=200_000)
    for day in range(1, 29):
        await push(redis, {**OKSIGEN, "tanggal": f"2025-02-{day:02d}",
                           "p_cair": 1, "catatan": "z" * 40_000})
    await push(redis, OKSIGEN)
    await drain(inbox)
    await inbox.trim()
    left = await redis.xrange(INBOX_STREAM)
    size = sum(len(k) + len(v) for _, fields in left for k, v in fields.items())
    assert size <= 200_000 + 50_000
    assert len(left) >= 4  # history is kept, just not without bound


PCR = {"kind": "pcr_nakes", "tanggal": "2025-01-15", "tgllapor": "2025-01-15 16:00:00",
       "jumlah_tenaga_perawat": 40}


@pytest.mark.parametrize(("event", "reason"), [
    ({**PCR, "tgllapor": 123.4}, "pcr_nakes.tgllapor: must be 'YYYY-MM-DD HH:MM:SS'"),
    ({**PCR, "tgllapor": 1736899200}, "pcr_nakes.tgllapor: must be 'YYYY-MM-DD HH:MM:SS'"),
    ({**OKSIGEN, "tanggal": 1736899200}, "oksigen.tanggal: must be a date yyyy-mm-dd"),
    ({**OKSIGEN, "tanggal": True}, "oksigen.tanggal: must be a date yyyy-mm-dd"),
    ({**OKSIGEN, "tanggal": "0001-01-01"}, "oksigen.tanggal: must be a date in the years"),
    ({**OKSIGEN, "tanggal": "9999-12-31"}, "oksigen.tanggal: must be a date in the years"),
    ({**PCR, "tgllapor": "0001-01-01 00:00:00"}, "pcr_nakes.tgllapor: must be a date in the"),
    ({**SDM, "jumlah": True}, "sdm.jumlah: must be a whole number"),
    ({**SDM, "jumlah": 2.0}, "sdm.jumlah: must be a whole number"),
    ({**SDM, "jumlah": 10**40}, "sdm.jumlah: must be at most"),
    ({**SDM, "jumlah": "1" * 40}, "sdm.jumlah: must be a whole number"),
    ({**PCR, "jumlah_tenaga_perawat": False}, "pcr_nakes.jumlah_tenaga_perawat: must be a whole"),
])
async def test_numbers_are_not_dates_and_counts_are_whole_plausible_numbers(
    inbox: Inbox, redis: aioredis.Redis, event: dict[str, object], reason: str
) -> None:
    await push(redis, json.dumps(event))
    stats = await drain(inbox)
    assert (stats.rejected, stats.stored) == (1, 0)
    [record] = await rejected(redis)
    assert record["reason"].startswith(reason), record["reason"]


async def test_the_guides_string_forms_still_pass(
    inbox: Inbox, redis: aioredis.Redis, state_pool: aiomysql.Pool
) -> None:
    await push(redis, {**SDM, "jumlah": "12", "jumlah_eksisting": 10})
    assert (await drain(inbox)).stored == 1
