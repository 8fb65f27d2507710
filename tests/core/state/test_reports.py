"""Daily reports are upserts by (kind, tanggal); only the newest payload counts as sent."""

from __future__ import annotations

from datetime import date

import aiomysql

from core.errors import Outcome
from core.state.reports import DailyReports, payload_hash


async def test_newest_payload_wins_and_stays_pending_until_sent(state_pool: aiomysql.Pool) -> None:
    reports = DailyReports(state_pool)
    day = date(2025, 1, 15)
    first = {"tanggal": "2025-01-15", "p_cair": 10}
    second = {"tanggal": "2025-01-15", "p_cair": 12}
    await reports.upsert("oksigen", day, first)
    await reports.mark_sent("oksigen", day, payload_hash(first), Outcome.DONE, "ok")
    assert await reports.pending() == []

    await reports.upsert("oksigen", day, second)
    stored = await reports.get("oksigen", day)
    assert stored is not None
    assert stored.payload == second
    assert stored.pending
    assert await reports.pending() == [("oksigen", day)]

    # A job that sent the older payload must not mark the newer one as sent.
    await reports.mark_sent("oksigen", day, payload_hash(first), Outcome.DONE, "ok")
    assert await reports.pending() == [("oksigen", day)]
    await reports.mark_sent("oksigen", day, payload_hash(second), Outcome.DONE, "ok")
    assert await reports.pending() == []
    assert "oksigen" in await reports.last_sent()


async def test_failure_is_recorded_without_losing_the_payload(state_pool: aiomysql.Pool) -> None:
    reports = DailyReports(state_pool)
    day = date(2025, 1, 16)
    await reports.upsert("pcr_nakes", day, {"tanggal": "2025-01-16", "jumlah": 1})
    await reports.mark_failed("pcr_nakes", day, Outcome.RETRY, "HTTP 503")
    stored = await reports.get("pcr_nakes", day)
    assert stored is not None
    assert (stored.last_outcome, stored.last_message, stored.pending) == ("retry", "HTTP 503", True)


async def test_refused_payload_waits_for_a_correction(state_pool: aiomysql.Pool) -> None:
    reports = DailyReports(state_pool)
    day = date(2025, 1, 17)
    bad = {"tanggal": "2025-01-17", "p_cair": -1}
    await reports.upsert("oksigen", day, bad)
    await reports.mark_failed("oksigen", day, Outcome.PERMANENT, "p_cair tidak valid",
                              refused_hash=payload_hash(bad))
    assert await reports.pending() == []
    await reports.upsert("oksigen", day, {"tanggal": "2025-01-17", "p_cair": 1})
    assert await reports.pending() == [("oksigen", day)]
