"""The audit log stores bodies with identifiers masked and secrets removed."""

from __future__ import annotations

import json

import aiomysql

from worker.errors import Outcome
from worker.observe import CallRecord
from worker.state.audit import AuditLog


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
    async with state_pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("SELECT request_body, outcome, job_id FROM audit")
        [(stored, outcome, job_id)] = await cursor.fetchall()
    assert "0000000000000042" not in stored
    assert "very-secret-key" not in stored
    data = json.loads(stored)
    assert data["nik"].endswith("0042") and data["nik"].startswith("*")
    assert data["kodebooking"] == "KB1"
    assert (outcome, job_id) == ("done", "bpjs:booking:KB1")
