"""The WS RS card and metrics show the last hour of Mobile JKN calls from the audit log."""

from __future__ import annotations

import json

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from core.errors import Outcome
from core.observe import CallRecord
from core.state.audit import AuditLog

from .conftest import Dashboard


async def get(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        return await response.text()


async def test_wsrs_calls_refusals_and_p95(dashboard: Dashboard) -> None:
    audit = AuditLog(dashboard.state, [])
    for duration in range(1, 21):  # 20 bookings, 1..20 ms
        await audit.record(CallRecord("wsrs", "POST", "ambilantrean", Outcome.DONE, duration,
                                      200, "200", "Ok"))
    for _ in range(3):
        await audit.record(CallRecord("wsrs", "POST", "ambilantrean", Outcome.PERMANENT, 5, 201,
                                      "201", "Kuota penuh, silakan pilih tanggal atau jadwal "
                                      "lain"))
    await audit.record(CallRecord("wsrs", "GET", "auth", Outcome.DONE, 2, 200, "200", "Ok"))
    await audit.close()

    page = await get(dashboard.url)
    assert 'data-card="wsrs"' in page
    assert "<tr><th>ambilantrean</th><td>23</td><td>3</td><td>19 ms</td></tr>" in page
    assert "Kuota penuh, silakan pilih tanggal atau jadwal lain: 3" in page
    api = json.loads(await get(dashboard.url + "api/figures"))
    assert api["wsrs"]["calls"] == {"ambilantrean": 23, "auth": 1}
    assert api["wsrs"]["p95_ms"]["ambilantrean"] == 19.0
    metrics = {s.name: s for f in text_string_to_metric_families(
        await get(dashboard.url + "metrics")) for s in f.samples
        if s.name.startswith("simrs_bridge_wsrs") and s.labels.get("endpoint") != "auth"}
    assert metrics["simrs_bridge_wsrs_calls_last_hour"].value == 23
    assert metrics["simrs_bridge_wsrs_refused_last_hour"].value == 3
    assert metrics["simrs_bridge_wsrs_p95_seconds_last_hour"].value == 0.019
