"""The sample Khanza day (2025-01-15) as the fakes should see it before the daemon runs.

Khanza's old sender already sent part of the sample day (its task ledger says
so); a real BPJS would know those bookings and tasks. The demo and the tests
preload the fake BPJS with exactly that, so what the daemon sends on top is
the day's pending work, nothing more.
"""

from __future__ import annotations

from datetime import date

from core import db
from core.khanza.options import khanza_options
from core.settings import Settings
from sandbox.fake_bpjs import FakeBpjsState

__all__ = ["DAY", "preload_what_bpjs_already_has"]

DAY = date(2025, 1, 15)


async def preload_what_bpjs_already_has(settings: Settings, state: FakeBpjsState) -> None:
    """Bookings 1, 2 and 4 were added, and tasks 3-7 of 1 and 3 of 2 sent, by Khanza."""
    from core.khanza.bookings import load_window  # the producer's own reader

    zone = settings.zone
    pool = await db.create_pool(settings.khanza_db_url, setting="sample day")
    try:
        async with pool.acquire() as connection:
            snapshots = await load_window(connection, DAY, DAY, khanza_options(settings))
    finally:
        pool.close()
        await pool.wait_closed()
    for snapshot in snapshots:
        if "add" in snapshot.recorded and snapshot.add is not None:
            code, message, _ = state.add(snapshot.add.model_dump(mode="json"))
            if code != 200:
                raise RuntimeError(f"preloading {snapshot.kodebooking}: {code} {message}")
        for taskid in sorted(t for t in snapshot.tasks if f"task{t}" in snapshot.recorded):
            code, message, _ = state.update_waktu({
                "kodebooking": snapshot.kodebooking, "taskid": taskid,
                "waktu": snapshot.task_ms(taskid, zone)})
            if code != 200:
                raise RuntimeError(f"preloading {snapshot.kodebooking} task {taskid}: "
                                   f"{code} {message}")
