"""/metrics as Prometheus reads it: valid exposition, counters that survive a restart,
heartbeats, and alert rules that name only series we export."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio as aioredis
from prometheus_client.parser import text_string_to_metric_families

from app.dashboard import metrics
from core.heartbeat import beat
from core.keys import heartbeat_key

from .conftest import Dashboard, serve_dashboard

REPO = Path(__file__).resolve().parents[3]


async def scrape(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url + "metrics") as answer:
        assert answer.status == 200
        return await answer.text()


def families(text: str) -> dict[str, tuple[str, list[tuple[str, dict[str, str], float]]]]:
    found = {}
    for family in text_string_to_metric_families(text):
        found[family.name] = (family.type, [(s.name, s.labels, s.value) for s in family.samples])
    return found


async def test_exposition_is_clean(dashboard: Dashboard) -> None:
    text = await scrape(dashboard.url)
    parsed = families(text)
    for name, (kind, samples) in parsed.items():
        assert not name.endswith("_created"), f"{name}: _created series are not wanted"
        for sample, labels, _ in samples:
            assert not sample.endswith("_created"), sample
            if kind != "summary":
                assert "quantile" not in labels, f"{sample} has a summary-only label"
            if kind != "histogram":
                assert "le" not in labels, sample
        assert re.fullmatch(r"simrs_bridge_[a-z0-9_]+", name), name
    assert parsed["simrs_bridge_upstream_requests"][0] == "counter"
    assert parsed["simrs_bridge_upstream_request_duration_seconds"][0] == "histogram"
    promtool = shutil.which("promtool")
    if promtool:  # Debian's prometheus package; the parser above is the fallback
        result = subprocess.run([promtool, "check", "metrics"], input=text, text=True,
                                capture_output=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


async def test_counters_continue_across_a_dashboard_restart(dashboard: Dashboard) -> None:
    before = families(await scrape(dashboard.url))
    runner, url = await serve_dashboard(dashboard.settings)  # a fresh process's counters
    try:
        after = families(await scrape(url))
    finally:
        await runner.cleanup()
    for name in ("simrs_bridge_upstream_requests",
                 "simrs_bridge_upstream_request_duration_seconds"):
        old = {(n, tuple(sorted(labels.items()))): v for n, labels, v in before[name][1]}
        new = {(n, tuple(sorted(labels.items()))): v for n, labels, v in after[name][1]}
        assert new.keys() == old.keys(), name
        for key, value in old.items():
            assert new[key] == pytest.approx(value), key
    async with dashboard.state.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("SELECT COUNT(*) FROM audit WHERE upstream = 'bpjs'")
        (calls,) = await cursor.fetchone()
    counts = {tuple(sorted(labels.items())): value for sample, labels, value
              in after["simrs_bridge_upstream_request_duration_seconds"][1]
              if sample.endswith("_count")}
    assert calls > 0 and counts[(("upstream", "bpjs"),)] == calls


def test_totals_sql_matches_the_bucket_bounds() -> None:
    bounds = [int(ms) for ms in re.findall(r"duration_ms <= (\d+)", metrics._TOTALS)]
    assert bounds == [int(b * 1000) for b in metrics.DURATION_BUCKETS]


async def test_heartbeats_are_exported(dashboard: Dashboard, redis: aioredis.Redis) -> None:
    await redis.delete(heartbeat_key("worker"), heartbeat_key("producer"))
    await beat(redis, "worker")
    parsed = families(await scrape(dashboard.url))
    beats = {labels["process"]: value for _, labels, value
             in parsed["simrs_bridge_heartbeat_timestamp_seconds"][1]}
    alive = {labels["process"]: value for _, labels, value
             in parsed["simrs_bridge_processes_alive"][1]}
    assert abs(beats["worker"] - time.time()) < 10
    assert beats["producer"] == 0 and alive == {"worker": 1, "producer": 0}
    # The page says the same: the worker alive, the producer never seen.
    async with aiohttp.ClientSession() as session, session.get(dashboard.url) as answer:
        page = await answer.text()
    worker = re.search(r'data-figure="heartbeat-worker">(.*?)</span>', page)
    producer = re.search(r'data-figure="heartbeat-producer">(.*?)</span>', page)
    assert worker and "1 alive" in worker.group(1), page
    assert producer and "never seen" in producer.group(1)
    assert "thing(s) need attention" in page


async def test_alert_rules_use_only_exported_series(dashboard: Dashboard,
                                                     redis: aioredis.Redis) -> None:
    await beat(redis, "producer")
    exported = set()
    for name, (_kind, samples) in families(await scrape(dashboard.url)).items():
        exported.add(name)
        exported.update(sample for sample, _, _ in samples)
    rules = (REPO / "deploy" / "prometheus" / "alerts.yml").read_text()
    used = set(re.findall(r"\bsimrs_bridge_[a-z0-9_]+", rules))
    # beds_unmapped_wards appears only after a bed run; the rest must be there now.
    missing = used - exported - {"simrs_bridge_beds_unmapped_wards"}
    assert used and not missing, missing
    assert rules.count("- alert:") >= 8
    promtool = shutil.which("promtool")
    if promtool:
        result = subprocess.run([promtool, "check", "rules",
                                 str(REPO / "deploy" / "prometheus" / "alerts.yml")],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
