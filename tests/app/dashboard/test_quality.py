"""The quality page and its JSON after the sample day was sent and read back.

By hand: INT has 000001 (3-7 held), 000002 (prescribed but not validated: no task 6 time
in Khanza) and the walk-in (3-5, no prescription) -> 2 of 3; ANA has 000003 (not checked
in: no task 3 time) and 000004 (cancelled, batal and 99 held) -> 1 of 2.
"""

from __future__ import annotations

from datetime import date

import aiohttp

from core import db
from sandbox.fake_bpjs import RunningFake
from sandbox.services import MariaDBServer
from worker.jobs.reconcile import reconcile_day
from worker.services import open_services

from .conftest import TOKEN, Dashboard
from .test_app import fetch

DAY = "2025-01-15"


async def test_quality_figures_match_the_hand_count(dashboard: Dashboard,
                                                    fake_bpjs: RunningFake) -> None:
    services = await open_services(dashboard.settings)
    try:
        report = await reconcile_day(services, date(2025, 1, 15))
    finally:
        await services.close()
    assert report.resent == {} and report.contradictions == {}  # the live path sent it all

    async with aiohttp.ClientSession() as session, session.get(
            f"{dashboard.url}api/quality?date={DAY}") as answer:
        assert answer.status == 200
        data = await answer.json()
    assert (data["visits"], data["complete"]) == (5, 3)
    polis = {p["kodepoli"]: p for p in data["polis"]}
    assert {k: (p["complete"], p["visits"]) for k, p in polis.items()} == {
        "INT": (2, 3), "ANA": (1, 2)}
    assert polis["INT"]["incomplete"] == [
        {"kodebooking": "20250115000002", "reason": "no time in Khanza yet for task 6"}]
    assert polis["ANA"]["incomplete"] == [
        {"kodebooking": "20250115000003", "reason": "no time in Khanza yet for task 3"}]

    status, page = await fetch(f"{dashboard.url}quality?date={DAY}")
    assert status == 200
    assert "3 of 5 visits complete (60.0%)" in page
    assert "no time in Khanza yet for task 6" in page
    status, _ = await fetch(f"{dashboard.url}quality?date=15-01-2025")
    assert status == 400


async def test_dead_letters_show_the_visit_and_what_to_do(dashboard: Dashboard) -> None:
    from core.errors import Outcome
    from core.state.deadletters import DeadLetters

    await DeadLetters(dashboard.state).add(
        "bpjs:booking:20250115000003", "bpjs_booking", ["20250115000003"], upstream="bpjs",
        outcome=Outcome.PERMANENT, code="201", message="add: Rujukan tidak valid", attempts=1,
        step="add", payload_hash="0123456789abcdef",
        visit={"no_rawat": "2025/01/15/000003", "poli": "ANA", "patient": "**0001"})
    status, page = await fetch(dashboard.url)
    assert status == 200
    assert "no_rawat=2025/01/15/000003 poli=ANA patient=**0001" in page
    assert "What to do: fix the referral number in Khanza" in page
    async with aiohttp.ClientSession() as session, session.get(
            f"{dashboard.url}api/figures") as answer:
        letters = (await answer.json())["dead_letters"]
    assert letters[0]["hint"].startswith("fix the referral number in Khanza")


async def test_dashboard_replay_of_an_unchanged_data_error_needs_force(
    dashboard: Dashboard, mariadb_server: MariaDBServer, fresh_khanza_db: str,
) -> None:
    from core.errors import Outcome
    from core.khanza.bookings import load_booking
    from core.khanza.options import khanza_options
    from core.plan import plan_bpjs
    from core.state.deadletters import DeadLetters

    mariadb_server.sql("UPDATE referensi_mobilejkn_bpjs SET nomorreferensi = '-'"
                       " WHERE nobooking = '20250115000003'", fresh_khanza_db)
    options = khanza_options(dashboard.settings)
    pool = await db.create_pool(dashboard.settings.khanza_db_url, setting="test")
    try:
        async with pool.acquire() as connection:
            snapshot = await load_booking(connection, "20250115000003", options)
    finally:
        pool.close()
        await pool.wait_closed()
    assert snapshot is not None
    step = plan_bpjs(snapshot, options.zone).step("add")
    assert step is not None
    letter_id = await DeadLetters(dashboard.state).add(
        "bpjs:booking:20250115000003", "bpjs_booking", ["20250115000003"], upstream="bpjs",
        outcome=Outcome.PERMANENT, code="201", message="add: Rujukan tidak valid", attempts=1,
        step="add", payload_hash=step.digest)
    url = f"{dashboard.url}dead-letters/{letter_id}/replay"
    ok = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, headers=ok) as answer:
            assert answer.status == 409
            assert "fix the referral number in Khanza" in await answer.text()
        async with session.post(url + "?force=1", headers=ok) as answer:
            assert answer.status == 200 and (await answer.json())["claimed"] is True
