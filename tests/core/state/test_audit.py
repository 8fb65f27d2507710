"""The audit log stores bodies with identifiers masked and secrets removed, in batches."""

from __future__ import annotations

import asyncio
import json

import aiomysql

from core.errors import Outcome
from core.observe import CallRecord
from core.state.audit import AuditLog


async def test_bodies_are_redacted(state_pool: aiomysql.Pool) -> None:
    audit = AuditLog(state_pool, secrets=["very-secret-key"])
    body = {"kodebooking": "KB1", "nik": "0000000000000042", "nomorkartu": "0000000000017",
            "keterangan": "sent with very-secret-key"}
    await audit.record(CallRecord(
        upstream="bpjs", method="POST", path="/antreanrs/antrean/add", outcome=Outcome.DONE,
        duration_ms=12, http_status=200, code="200", message="Ok",
        request_body=json.dumps(body), response_body='{"metadata":{"code":200}}',
        job_id="bpjs:booking:KB1",
    ))
    await audit.flush()
    async with state_pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("SELECT request_body, outcome, job_id FROM audit")
        [(stored, outcome, job_id)] = await cursor.fetchall()
    assert "0000000000000042" not in stored
    assert "very-secret-key" not in stored
    data = json.loads(stored)
    assert data["nik"].endswith("0042") and data["nik"].startswith("*")
    assert data["kodebooking"] == "KB1"
    assert (outcome, job_id) == ("done", "bpjs:booking:KB1")


async def inserts(pool: aiomysql.Pool) -> int:
    async with pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("SHOW GLOBAL STATUS LIKE 'Com_insert'")
        [(_, value)] = await cursor.fetchall()
    return int(value)


async def test_calls_recorded_together_are_one_insert_and_close_stores_them(
    state_pool: aiomysql.Pool,
) -> None:
    audit = AuditLog(state_pool, secrets=[])
    before = await inserts(state_pool)
    for n in range(50):  # as 50 jobs finishing their calls at about the same time
        await audit.record(CallRecord(
            upstream="sirs", method="POST", path=f"Antrian/{n}", outcome=Outcome.DONE,
            duration_ms=n, job_id=f"sirs:antrian:{n}"))
    await audit.close()  # what the worker's shutdown does
    assert await inserts(state_pool) - before == 1
    async with state_pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("SELECT path, duration_ms, at, UTC_TIMESTAMP(3) FROM audit"
                             " ORDER BY id")
        rows = await cursor.fetchall()
    assert [(path, ms) for path, ms, *_ in rows] == [(f"Antrian/{n}", n) for n in range(50)]
    # Each row keeps the time of its call (the database clock), in call order.
    times = [at for _, _, at, _ in rows]
    assert times == sorted(times) and all(0 <= (now - at).total_seconds() < 60
                                          for *_, at, now in rows)


async def test_rows_recorded_while_the_database_is_down_are_kept_until_it_returns(
    state_pool: aiomysql.Pool,
) -> None:
    audit = AuditLog(state_pool, secrets=[])
    async with state_pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("RENAME TABLE audit TO audit_away")  # as good as a dead database
    for n in range(65):
        await audit.record(CallRecord(
            upstream="bpjs", method="POST", path=f"antrean/{n}", outcome=Outcome.DONE,
            duration_ms=n, job_id=f"bpjs:booking:{n}"))
    await asyncio.sleep(1.5)  # the writer has failed at least twice by now
    async with state_pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("RENAME TABLE audit_away TO audit")
    await asyncio.wait_for(audit.flush(), timeout=30)
    async with state_pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("SELECT path FROM audit ORDER BY id")
        rows = await cursor.fetchall()
    assert [path for (path,) in rows] == [f"antrean/{n}" for n in range(65)]
