"""The producer's change source on the page and in /metrics, as the feed publishes it."""

from __future__ import annotations

import asyncio
import time

from core.state.binlog import BinlogPositions
from producers.changes import Change, ChangeFeed, publish_poll_status
from producers.changes.reader import Connected, Fallback, Transaction

from .conftest import Dashboard
from .test_app import fetch, samples

VISIT = "2025/01/15/000001"


async def test_binlog_source_lag_tables_and_fallbacks_are_shown(dashboard: Dashboard) -> None:
    feed = ChangeFeed(url=dashboard.settings.khanza_db_url, server_id=4150,
                      positions=BinlogPositions(dashboard.state), redis=dashboard.redis,
                      nudge=asyncio.Event())
    feed.apply(Fallback("0-1-5", "MariaDB error 1236: GTID 0-1-5 is not in the binlog"))
    feed.apply(Connected("0-1-900", resumed=False))
    feed.apply(Transaction("0-1-901", time.time() - 2.0,
                           (Change("mutasi_berkas", "visit", VISIT),), {"mutasi_berkas": 1}))
    feed.apply(Transaction("0-1-902", time.time(), (), {"reg_periksa": 3}))
    await feed._publish()

    _, page = await fetch(dashboard.url)
    assert '<span data-figure="changes-source">binlog</span>' in page
    assert "connected" in page and "0-1-902" in page
    assert "1 fallback(s)" in page and "GTID 0-1-5 is not in the binlog" in page
    assert "<td>mutasi_berkas</td><td>1</td><td>1</td>" in page
    assert "<td>reg_periksa</td><td>3</td><td>0</td>" in page
    assert VISIT not in page

    _, metrics = await fetch(dashboard.url + "metrics")
    found = samples(metrics)
    assert found[("simrs_bridge_changes_source", (("source", "binlog"),))] == 1
    assert found[("simrs_bridge_changes_source", (("source", "poll"),))] == 0
    assert found[("simrs_bridge_binlog_connected", ())] == 1
    assert 0 <= found[("simrs_bridge_binlog_lag_seconds", ())] < 2
    assert found[("simrs_bridge_binlog_rows_total", (("table", "reg_periksa"),))] == 3
    assert found[("simrs_bridge_binlog_nudges_total", (("table", "mutasi_berkas"),))] == 1
    assert found[("simrs_bridge_binlog_fallbacks_total", ())] == 1
    assert VISIT not in metrics


async def test_poll_source_is_named(dashboard: Dashboard) -> None:
    await publish_poll_status(dashboard.redis, 2.0)
    _, page = await fetch(dashboard.url)
    assert '<span data-figure="changes-source">poll</span> every 2 s' in page
    _, metrics = await fetch(dashboard.url + "metrics")
    assert samples(metrics)[("simrs_bridge_changes_source", (("source", "poll"),))] == 1
    assert ("simrs_bridge_binlog_connected", ()) not in samples(metrics)
