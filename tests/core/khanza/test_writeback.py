"""Write-back into Khanza's own tables, against the fixture MariaDB, as a Khanza account
holding exactly the grants the module documents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime

import aiomysql
import pymysql
import pytest

from core.db import create_pool
from core.khanza.snapshot import BookingSnapshot, Cancellation
from core.khanza.writes.writeback import write_back
from core.plan import Step
from core.settings import DatabaseUrl
from sandbox.services import MariaDBServer

USER, PASSWORD = "writeback", "wb-secret-31"
# The grants core/khanza/writes/writeback.py documents, and nothing more.
GRANTS = (
    "GRANT SELECT ON `{db}`.* TO '{user}'@'127.0.0.1';"
    "GRANT UPDATE (statuskirim) ON `{db}`.referensi_mobilejkn_bpjs TO '{user}'@'127.0.0.1';"
    "GRANT INSERT ON `{db}`.referensi_mobilejkn_bpjs_taskid TO '{user}'@'127.0.0.1';"
)
TASKS = "SELECT no_rawat, taskid, waktu FROM referensi_mobilejkn_bpjs_taskid ORDER BY 1, 2"
STATUS = "SELECT nobooking, statuskirim FROM referensi_mobilejkn_bpjs ORDER BY 1"


@pytest.fixture
async def khanza(mariadb_server: MariaDBServer, fresh_khanza_db: str) -> AsyncIterator[
        aiomysql.Pool]:
    user = f"{USER}_{fresh_khanza_db}"
    mariadb_server.sql(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}';"
                       + GRANTS.format(db=fresh_khanza_db, user=user))
    url = DatabaseUrl.parse(mariadb_server.url(fresh_khanza_db, user, PASSWORD))
    pool = await create_pool(url, setting="test")
    try:
        yield pool
    finally:
        pool.close()
        await pool.wait_closed()
        mariadb_server.sql(f"DROP USER '{user}'@'127.0.0.1'")


async def rows(pool: aiomysql.Pool, sql: str) -> list[tuple[object, ...]]:
    async with pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute(sql)
        return list(await cursor.fetchall())


def visit(number: int, **changes: object) -> BookingSnapshot:
    fields: dict[str, object] = dict(
        kodebooking=f"20250115{number:06d}", no_rawat=f"2025/01/15/{number:06d}",
        tanggal=date(2025, 1, 15), source="mobile_jkn", pasienbaru=False, add=None,
        tasks={3: datetime(2025, 1, 15, 8, 0), 4: datetime(2025, 1, 15, 8, 20)})
    fields.update(changes)
    return BookingSnapshot(**fields)  # type: ignore[arg-type]


def task(taskid: int) -> Step:
    return Step(f"task{taskid}", "task", {"taskid": taskid}, taskid, 1)


async def test_an_accepted_add_marks_the_booking_sent(khanza: aiomysql.Pool) -> None:
    before = dict(await rows(khanza, STATUS))
    assert before["20250115000003"] == "Belum"
    await write_back(khanza, visit(3), Step("add", "add", {}))
    after = dict(await rows(khanza, STATUS))
    assert after == before | {"20250115000003": "Sudah"}
    await write_back(khanza, visit(3), Step("add", "add", {}))  # again: nothing changes
    assert dict(await rows(khanza, STATUS)) == after


async def test_an_onsite_visit_has_no_booking_row_to_mark(khanza: aiomysql.Pool) -> None:
    before = await rows(khanza, STATUS)
    await write_back(khanza, visit(3, source="onsite"), Step("add", "add", {}))
    assert await rows(khanza, STATUS) == before


async def test_an_accepted_task_is_recorded_with_khanzas_own_time(khanza: aiomysql.Pool) -> None:
    before = await rows(khanza, TASKS)
    await write_back(khanza, visit(2), task(4))
    assert set(await rows(khanza, TASKS)) - set(before) == {
        ("2025/01/15/000002", "4", datetime(2025, 1, 15, 8, 20))}


async def test_a_row_khanza_already_has_is_kept_as_it_is(khanza: aiomysql.Pool) -> None:
    before = await rows(khanza, TASKS)
    assert ("2025/01/15/000002", "3", datetime(2025, 1, 15, 8, 0)) in before
    # Our snapshot says 08:00 too, but even a different time must not overwrite Khanza's row.
    await write_back(khanza, visit(2, tasks={3: datetime(2025, 1, 15, 9, 59)}), task(3))
    assert await rows(khanza, TASKS) == before


async def test_task_99_is_recorded_with_the_cancellation_time(khanza: aiomysql.Pool) -> None:
    batal = Cancellation("Dibatalkan pasien", datetime(2025, 1, 15, 8, 15))
    before = await rows(khanza, TASKS)
    await write_back(khanza, visit(4, batal=batal), task(99))
    assert set(await rows(khanza, TASKS)) - set(before) == {
        ("2025/01/15/000004", "99", datetime(2025, 1, 15, 8, 15))}


async def test_other_steps_write_nothing(khanza: aiomysql.Pool) -> None:
    tables = (await rows(khanza, TASKS), await rows(khanza, STATUS))
    for step in (Step("batal", "batal", {}), Step("farmasi", "farmasi", {}),
                 Step("antrian", "add", {})):
        await write_back(khanza, visit(3), step)
    assert (await rows(khanza, TASKS), await rows(khanza, STATUS)) == tables


async def test_the_grants_allow_nothing_beyond_those_two_writes(khanza: aiomysql.Pool) -> None:
    # Proof that the account above really is that narrow: the writes pass only because
    # these grants are enough, not because the account could do anything.
    for sql in ("UPDATE referensi_mobilejkn_bpjs SET status = 'Checkin'",
                "DELETE FROM referensi_mobilejkn_bpjs_taskid",
                "UPDATE referensi_mobilejkn_bpjs_taskid SET waktu = NULL"):
        async with khanza.acquire() as connection, connection.cursor() as cursor:
            with pytest.raises(pymysql.err.OperationalError, match="denied"):
                await cursor.execute(sql)
