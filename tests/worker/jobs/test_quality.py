"""The quality view of the sample day, against a count made by hand.

After one read-back of the partial history of ``test_reconcile`` (BPJS lacked
tasks, one different time, one stranger booking), by hand:

* INT: 20250115000001 complete (3-7 held, it has a prescription); 20250115000002 not
  (task 3 at another time at BPJS: cannot be corrected); walk-in 2025/01/15/000005
  complete (3-5, no prescription) -> 2 of 3;
* ANA: 20250115000003 not (added, but Khanza has no time for task 3 yet);
  20250115000004 complete (its cancellation and task 99 are held) -> 1 of 2;
* 20250115009999 is listed apart: BPJS holds it, Khanza does not.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date

from core.quality import summarize
from sandbox.fake_bpjs import RunningFake
from tests.worker.jobs.test_reconcile import seed_partial_history
from worker.jobs.reconcile import reconcile_day
from worker.services import Services

DAY = date(2025, 1, 15)


async def test_sample_day_figures_match_the_hand_count(
    services: Services, fake_bpjs: RunningFake, bridge_env: dict[str, str],
) -> None:
    await seed_partial_history(services, fake_bpjs)
    await reconcile_day(services, DAY)
    quality = summarize(DAY, (await services.stores.readbacks.for_day("bpjs", DAY)).values())

    assert (quality.visits, quality.complete) == (5, 3)
    per_poli = {p.kodepoli: (p.complete, p.visits) for p in quality.polis}
    assert per_poli == {"INT": (2, 3), "ANA": (1, 2)}
    reasons = {k: r for p in quality.polis for k, r in p.incomplete}
    assert set(reasons) == {"20250115000002", "20250115000003"}
    assert reasons["20250115000002"].startswith("cannot be corrected: task 3: BPJS holds")
    assert reasons["20250115000003"] == "no time in Khanza yet for task 3"
    assert [k for k, _ in quality.not_in_khanza] == ["20250115009999"]

    # The same figures from the command staff run (and the JSON the dashboard serves).
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "report", "quality", "--date", "2025-01-15", "--json",
        env=bridge_env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    shown = json.loads(out)
    assert (shown["visits"], shown["complete"], shown["share"]) == (5, 3, 0.6)
    assert {p["kodepoli"]: p["share"] for p in shown["polis"]} == {"ANA": 0.5, "INT": 0.6667}


async def test_a_visit_completing_later_is_counted_after_the_next_read_back(
    services: Services, fake_bpjs: RunningFake,
) -> None:
    await seed_partial_history(services, fake_bpjs)
    await reconcile_day(services, DAY)
    # 000003 is examined: its file goes to the clinic and comes back, SOAP is written.
    async with services.khanza.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute(
            "INSERT INTO mutasi_berkas VALUES ('2025/01/15/000003','Sudah Diterima',"
            "'2025-01-15 09:10:00','2025-01-15 09:20:00','0000-00-00 00:00:00',"
            "'0000-00-00 00:00:00','0000-00-00 00:00:00')")
        await cursor.execute("CREATE TEMPORARY TABLE soap AS SELECT * FROM pemeriksaan_ralan"
                             " WHERE no_rawat = '2025/01/15/000001' LIMIT 1")
        await cursor.execute("UPDATE soap SET no_rawat = '2025/01/15/000003',"
                             " jam_rawat = '09:30:00'")
        await cursor.execute("INSERT INTO pemeriksaan_ralan SELECT * FROM soap")
    report = await reconcile_day(services, DAY)
    assert report.resent == {"20250115000003": ["task3", "task4", "task5"]}
    rows = await services.stores.readbacks.for_day("bpjs", DAY)
    assert rows["20250115000003"].complete
    assert summarize(DAY, rows.values()).complete == 4
