"""The dashboard against a synced sample day: its figures equal Redis and the database."""

from __future__ import annotations

import json
import math
import re
import time
from urllib.parse import urlsplit

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from core.errors import Outcome
from core.keys import QUEUE_NAME
from core.queue import enqueue, open_queue
from core.state.deadletters import DeadLetters
from sandbox.fake_bpjs import RunningFake
from worker.breaker import CircuitBreaker

from .conftest import TOKEN, Dashboard, run_worker


async def fetch(url: str, *, headers: dict[str, str] | None = None) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as answer:
        return answer.status, await answer.text()


async def column(d: Dashboard, sql: str, *args: object) -> list[int]:
    async with d.state.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute(sql, args)
        return [int(row[0]) for row in await cursor.fetchall()]


async def scalar(d: Dashboard, sql: str, *args: object) -> int:
    async with d.state.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute(sql, args)
        row = await cursor.fetchone()
    return int(row[0])


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_figures_equal_redis_and_database(dashboard: Dashboard) -> None:
    queue = await open_queue(dashboard.settings.redis_url)
    try:
        # One job waiting for a retry, one ready, one a worker is "running".
        await enqueue(queue, "bpjs_booking", "X1", job_id="bpjs:booking:X1", _defer_by=600)
        await enqueue(queue, "sirs_antrian", "X2", job_id="sirs:antrian:X2")
        await dashboard.redis.set("arq:in-progress:sirs:antrian:X3", b"1", px=60_000)
    finally:
        await queue.aclose()
    status, text = await fetch(dashboard.url + "api/figures")
    assert status == 200
    figures = json.loads(text)
    bpjs, sirs = figures["upstreams"]["bpjs"], figures["upstreams"]["sirs"]
    assert (bpjs["queued"], bpjs["deferred"], bpjs["in_progress"]) == (0, 1, 0)
    assert (sirs["queued"], sirs["deferred"], sirs["in_progress"]) == (1, 0, 1)
    assert await dashboard.redis.zcard(QUEUE_NAME) == bpjs["depth"] + sirs["depth"]
    for name, shown in (("bpjs", bpjs), ("sirs", sirs)):
        calls = await scalar(dashboard, "SELECT COUNT(*) FROM audit WHERE upstream = %s", name)
        assert calls > 0
        assert shown["calls_last_hour"] == calls
        assert sum(b["count"] for b in shown["buckets"]) == calls
        # Nearest-rank percentiles of the hour's durations: values that really occurred.
        durations = sorted(await column(
            dashboard, "SELECT duration_ms FROM audit WHERE upstream = %s", name))
        assert len(durations) == calls
        assert shown["p50_ms"] == durations[math.ceil(calls * 0.50) - 1]
        assert shown["p95_ms"] == durations[math.ceil(calls * 0.95) - 1]
        assert shown["last_success"] is not None
        # ISO 8601 with the hospital's offset, never a naive time.
        assert shown["last_success"].endswith("+07:00"), shown["last_success"]
        assert all(b["start"].endswith("+07:00") for b in shown["buckets"])
        assert shown["breaker"]["state"] == "closed"
    assert figures["dead_letters_open"] == 0
    assert figures["producer"]["visits"] == 5
    assert 0 <= figures["producer_lag"] < 60
    assert figures["beds"] is None

    status, page = await fetch(dashboard.url)
    assert status == 200
    assert f'data-figure="bpjs-calls">{bpjs["calls_last_hour"]}<' in page
    assert 'data-figure="sirs-queued">1<' in page
    assert 'data-figure="bpjs-deferred">1<' in page
    assert 'data-figure="sirs-in-progress">1<' in page
    assert "no bed run yet" in page
    assert "<svg" in page and "<script" not in page
    assert not re.search(r"""(src|href)=["']?https?://""", page), "no external asset"


async def test_metrics_follow_the_shared_state(
    dashboard: Dashboard, fake_bpjs: RunningFake
) -> None:
    status, first = await fetch(dashboard.url + "metrics")
    assert status == 200
    before = samples(first)
    assert before[("simrs_bridge_up", ())] == 1
    assert before[("simrs_bridge_dead_letters_open", (("upstream", "sirs"),))] == 0
    assert before[("simrs_bridge_circuit_open", (("upstream", "bpjs"),))] == 0
    assert before[("simrs_bridge_queue_depth", (("upstream", "bpjs"),))] == 0
    assert 0 <= before[("simrs_bridge_producer_lag_seconds", ())] < 60

    # New traffic after the first scrape: the counters grow by exactly the new audit rows.
    last_id = await scalar(dashboard, "SELECT MAX(id) FROM audit")
    # BPJS lost booking 3 and so did our ledger: the job sends its antrean/add again.
    fake_bpjs.state.bookings.pop("20250115000003")
    async with dashboard.state.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("DELETE FROM ledger WHERE kodebooking = '20250115000003'")
    queue = await open_queue(dashboard.settings.redis_url)
    try:
        await enqueue(queue, "bpjs_booking", "20250115000003",
                      job_id="bpjs:booking:20250115000003")
    finally:
        await queue.aclose()
    await run_worker(dashboard.settings)
    new = await scalar(dashboard, "SELECT COUNT(*) FROM audit WHERE id > %s AND upstream='bpjs'"
                       " AND outcome='done'", last_id)
    assert new >= 1
    letters = DeadLetters(dashboard.state)
    await letters.add("sirs:antrian:Y", "sirs_antrian", ["Y"], upstream="sirs",
                      outcome=Outcome.PERMANENT, code="400", message="refused", attempts=1)
    breaker = CircuitBreaker(dashboard.redis, "sirs")
    for _ in range(breaker.config.failure_threshold):
        await breaker.record_failure("503: down")

    _, second = await fetch(dashboard.url + "metrics")
    after = samples(second)
    key = ("simrs_bridge_upstream_requests_total", (("outcome", "done"), ("upstream", "bpjs")))
    assert after[key] - before.get(key, 0) == new
    hist = ("simrs_bridge_upstream_request_duration_seconds_count", (("upstream", "bpjs"),))
    assert after[hist] - before.get(hist, 0) == new
    assert after[("simrs_bridge_dead_letters_open", (("upstream", "sirs"),))] == 1
    assert after[("simrs_bridge_dead_letters_open", (("upstream", "bpjs"),))] == 0
    assert after[("simrs_bridge_circuit_open", (("upstream", "sirs"),))] == 1
    assert after[("simrs_bridge_circuit_open", (("upstream", "bpjs"),))] == 0
    assert after[("simrs_bridge_circuit_state", (("state", "open"), ("upstream", "sirs")))] == 1


async def test_replay_needs_the_token_and_queues_the_job_once(dashboard: Dashboard) -> None:
    letters = DeadLetters(dashboard.state)
    letter_id = await letters.add(
        "bpjs:booking:20250115000003", "bpjs_booking", ["20250115000003"], upstream="bpjs",
        outcome=Outcome.PERMANENT, code="201", message="add: Rujukan tidak valid", attempts=1)
    url = f"{dashboard.url}dead-letters/{letter_id}/replay"
    async with aiohttp.ClientSession() as session:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            async with session.post(url, headers=headers, allow_redirects=False) as answer:
                assert answer.status == 403
        assert (await letters.get(letter_id)).replayed_at is None  # type: ignore[union-attr]
        assert await dashboard.redis.zcard(QUEUE_NAME) == 0

        ok = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
        async with session.post(url, headers=ok) as answer:
            assert answer.status == 200
            assert await answer.json() == {"id": letter_id, "claimed": True, "queued": True,
                                           "job_id": "bpjs:booking:20250115000003"}
        async with session.post(url, headers=ok) as answer:
            assert (await answer.json())["claimed"] is False
    members = await dashboard.redis.zrange(QUEUE_NAME, 0, -1)
    assert members == [b"bpjs:booking:20250115000003"]
    job = json.loads(await dashboard.redis.get("arq:job:bpjs:booking:20250115000003"))
    assert job["a"] == ["20250115000003"] and job["k"] == {"force": True}
    assert (await letters.get(letter_id)).replayed_at is not None  # type: ignore[union-attr]


async def test_sign_in_cookie_works_and_foreign_origins_are_refused(dashboard: Dashboard) -> None:
    letters = DeadLetters(dashboard.state)
    letter_id = await letters.add("sirs:antrian:Z", "sirs_antrian", ["Z"], upstream="sirs",
                                  outcome=Outcome.PERMANENT, code=None, message="no", attempts=1)
    # unsafe=True: aiohttp's jar ignores cookies of IP-address hosts unless told; browsers don't.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.post(dashboard.url + "login", data={"token": "nope"}) as answer:
            assert answer.status == 403
        async with session.post(dashboard.url + "login", data={"token": TOKEN}) as answer:
            assert answer.status == 200  # followed the redirect to the page
            page = await answer.text()
        assert TOKEN not in page
        assert f'action="dead-letters/{letter_id}/replay"' in page
        url = f"{dashboard.url}dead-letters/{letter_id}/replay"
        async with session.post(url, headers={"Origin": "http://evil.example"},
                                allow_redirects=False) as answer:
            assert answer.status == 403
        async with session.post(url, allow_redirects=False) as answer:
            assert answer.status == 403  # a cookie alone, without Origin, is not enough
        assert (await letters.get(letter_id)).replayed_at is None  # type: ignore[union-attr]
        here = urlsplit(dashboard.url)
        async with session.post(url, headers={"Origin": f"{here.scheme}://{here.netloc}"},
                                allow_redirects=False) as answer:
            assert answer.status == 303
            assert answer.headers["Location"].endswith(f"?replayed={letter_id}")


async def test_page_masks_identifiers_and_never_shows_secrets(dashboard: Dashboard) -> None:
    secret = dashboard.settings.bpjs_secret.get_secret_value()
    letters = DeadLetters(dashboard.state)
    await letters.add(
        "bpjs:booking:B1", "bpjs_booking", ["B1"], upstream="bpjs", outcome=Outcome.PERMANENT,
        code="201", attempts=1,
        message=f"nik 0000000000000001 kartu 0000000000001 hp 080000000101 key {secret}")
    _, page = await fetch(dashboard.url)
    _, api = await fetch(dashboard.url + "api/figures")
    _, metrics = await fetch(dashboard.url + "metrics")
    for text in (page, api, metrics):
        for value in (*dashboard.settings.secrets(), TOKEN, "0000000000000001",
                      "0000000000001", "080000000101"):
            assert value not in text
    assert "************0001" in page  # still tells two patients apart


async def test_bed_status_lists_unmapped_wards(dashboard: Dashboard) -> None:
    await dashboard.redis.set("simrs-bridge:beds:status", json.dumps({
        "last_run": time.time(), "message": "2 posted, 1 unmapped",
        "unmapped": [["ICU", "Kelas Utama"]]}))
    _, page = await fetch(dashboard.url)
    assert "no bed run yet" not in page
    assert "ICU / Kelas Utama" in page
    _, metrics = await fetch(dashboard.url + "metrics")
    assert samples(metrics)[("simrs_bridge_beds_unmapped_wards", ())] == 1


@pytest.fixture
def private_settings(day_settings):  # type: ignore[no-untyped-def]
    return day_settings.model_copy(update={"dashboard_require_token_for_reads": True})


async def test_reads_can_require_the_token(private_settings, redis) -> None:  # type: ignore[no-untyped-def]
    from .conftest import serve_dashboard

    runner, url = await serve_dashboard(private_settings)
    try:
        status, body = await fetch(url)
        assert status == 401
        assert "Operator token" in body and 'name="token"' in body  # the sign-in form
        assert "data-figure" not in body  # and nothing of the page
        for path in ("metrics", "api/figures"):
            status, body = await fetch(url + path)
            assert (status, body) == (401, "401: Unauthorized")
        status, body = await fetch(url + "metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert status == 200 and "simrs_bridge_up 1.0" in body
        status, _ = await fetch(url + "healthz")
        assert status == 200
    finally:
        await runner.cleanup()


async def test_each_waiting_visit_shows_its_reason(dashboard: Dashboard) -> None:
    await dashboard.redis.set("simrs-bridge:producer:status", json.dumps({
        "last_cycle": time.time(), "duration": 0.1, "visits": 2, "enqueued": {},
        "coalesced": 0, "waiting": {
            "20250115000001": "antrean/add cannot be built: booking tanggalperiksa "
                              "'0000-00-00' is not a real date",
            "2025/01/15/000007": "task 6: resep_obat.validasi is '2025-01-15 25:00:00', "
                                 "not a real time <b>(correct it in Khanza)</b>"}}))
    _, page = await fetch(dashboard.url)
    assert "2 waiting for Khanza" in page
    # Escaped by the template (markupsafe writes a quote as &#39;, html.escape wrote &#x27;).
    assert "booking tanggalperiksa &#39;0000-00-00&#39; is not a real date" in page
    assert "25:00:00&#39;, not a real time &lt;b&gt;(correct it in Khanza)" in page
