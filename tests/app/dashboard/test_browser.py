"""Proof in a real browser: headless Chromium reads the page, signs in, replays a dead letter.

The run is the demo's in miniature: the sample day synced by a producer cycle
and a worker, except that booking 20250115000003 carries the referral "-",
which BPJS refuses for good, so it becomes a dead letter. The test checks the
figures Chromium renders against Redis and the state database, fixes the
referral in Khanza the way staff would, presses Replay, lets a worker run, and
sees the booking arrive at the fake BPJS. The screenshot is kept under the
test's tmp_path.
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from core import db
from core.keys import QUEUE_NAME
from core.queue import enqueue, open_queue
from core.settings import Settings
from sandbox.fake_bpjs import RunningFake
from sandbox.fake_sirs import RunningFakeSirs
from sandbox.sample_day import preload_what_bpjs_already_has
from sandbox.services import MariaDBServer

from .conftest import TOKEN, run_worker, serve_dashboard, sync_sample_day

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1300,1900")
BOOKING = "20250115000003"
REFERRAL = ("UPDATE referensi_mobilejkn_bpjs SET nomorreferensi = '{}'"  # noqa: S608 - constants
            " WHERE nobooking = '" + BOOKING + "'")

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
    reason="needs Debian's chromium and chromium-driver (deploy/setup.sh installs them)")


def open_browser(profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def figure(driver: Any, name: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, f'[data-figure="{name}"]').text).strip()


def look(driver: Any, url: str, letter_id: int, tmp_path: Path) -> dict[str, Any]:
    from selenium.webdriver.common.by import By

    driver.get(url)
    seen: dict[str, Any] = {name: figure(driver, name) for name in (
        "dead-letters-open", "sirs-deferred", "sirs-queued", "bpjs-queued")}
    for upstream in ("bpjs", "sirs"):
        seen[f"{upstream}-last-success"] = driver.find_element(
            By.CSS_SELECTOR, f'[data-figure="{upstream}-last-success"] time'
        ).get_attribute("datetime")
    seen["row"] = driver.find_element(By.CSS_SELECTOR, f'tr[data-letter="{letter_id}"]').text
    seen["replay buttons"] = len(driver.find_elements(By.CSS_SELECTOR, "button.replay"))
    driver.save_screenshot(str(tmp_path / "before-replay.png"))
    return seen


def sign_in_and_replay(driver: Any, letter_id: int) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait

    # Each click submits a form and loads a new page: wait for the next page's element
    # instead of racing the navigation (a loaded CI machine lost that race).
    wait = WebDriverWait(driver, 20)
    driver.find_element(By.CSS_SELECTOR, "form.login input[name=token]").send_keys(TOKEN)
    driver.find_element(By.CSS_SELECTOR, "form.login button").click()
    replay = (By.CSS_SELECTOR, f'tr[data-letter="{letter_id}"] button.replay')
    wait.until(shown.element_to_be_clickable(replay)).click()
    flash = wait.until(shown.presence_of_element_located((By.CSS_SELECTOR, ".flash")))
    return str(flash.text)


def reload_and_shoot(driver: Any, url: str, shot: Path) -> tuple[str, str]:
    driver.get(url)
    open_letters = figure(driver, "dead-letters-open")
    driver.save_screenshot(str(shot))
    return open_letters, str(driver.page_source)


async def test_chromium_sees_the_state_and_replays_a_dead_letter(
    bridge_settings: Settings, fake_bpjs: RunningFake, fake_sirs: RunningFakeSirs,
    mariadb_server: MariaDBServer, fresh_khanza_db: str, redis: aioredis.Redis,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium must not look for drivers online
    settings = bridge_settings.model_copy(update={"dashboard_token": SecretStr(TOKEN)})
    mariadb_server.sql(REFERRAL.format("-"), fresh_khanza_db)
    await preload_what_bpjs_already_has(settings, fake_bpjs.state)
    await sync_sample_day(settings)
    assert BOOKING not in fake_bpjs.state.bookings
    queue = await open_queue(settings.redis_url)
    try:  # a job waiting for its retry time, as after a timeout
        await enqueue(queue, "sirs_antrian", "X", job_id="sirs:antrian:X", _defer_by=3600)
    finally:
        await queue.aclose()

    state = await db.create_pool(settings.state_db_url, setting="test")
    runner, url = await serve_dashboard(settings)
    driver = await asyncio.to_thread(open_browser, tmp_path / "chromium-profile")
    try:
        async with state.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute("SELECT id, message FROM dead_letter WHERE replayed_at IS NULL")
            letters = await cursor.fetchall()
            await cursor.execute("SELECT upstream, MAX(at) FROM audit WHERE outcome = 'done'"
                                 " GROUP BY upstream")
            last_done = {u: at for u, at in await cursor.fetchall()}
        assert len(letters) == 1 and "Rujukan tidak valid" in letters[0][1]
        letter_id = letters[0][0]

        # Every browser call runs in a thread: the dashboard answers from this event loop.
        seen = await asyncio.to_thread(look, driver, url, letter_id, tmp_path)
        assert seen["dead-letters-open"] == str(len(letters))
        assert seen["sirs-deferred"] == "1"
        assert seen["sirs-queued"] == seen["bpjs-queued"] == "0"
        assert await redis.zcard(QUEUE_NAME) == 1
        for upstream, at in last_done.items():
            assert datetime.fromisoformat(seen[f"{upstream}-last-success"]) == at.replace(
                tzinfo=UTC)
        assert "Rujukan tidak valid" in seen["row"] and f"bpjs:booking:{BOOKING}" in seen["row"]
        assert seen["replay buttons"] == 0  # not signed in yet

        # Staff fix the referral in Khanza, sign in with the operator token, press Replay.
        mariadb_server.sql(REFERRAL.format("0000R0010125K000003"), fresh_khanza_db)
        flash = await asyncio.to_thread(sign_in_and_replay, driver, letter_id)
        assert f"Dead letter {letter_id} queued again" in flash
        assert await redis.zscore(QUEUE_NAME, f"bpjs:booking:{BOOKING}") is not None

        await redis.zrem(QUEUE_NAME, "sirs:antrian:X")  # a burst worker would wait for it
        await run_worker(settings)
        assert BOOKING in fake_bpjs.state.bookings, "the replayed booking reached BPJS"
        assert fake_bpjs.state.bookings[BOOKING].body["nomorreferensi"] == "0000R0010125K000003"
        shot = tmp_path / "dashboard.png"
        open_letters, page = await asyncio.to_thread(reload_and_shoot, driver, url, shot)
        assert open_letters == "0"
        for secret in (*settings.secrets(), TOKEN):
            assert secret not in page
        assert shot.stat().st_size > 10_000
        print(f"screenshot: {shot}")
    finally:
        await asyncio.to_thread(driver.quit)
        await runner.cleanup()
        state.close()
        await state.wait_closed()
