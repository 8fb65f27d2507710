"""Seeding the fake BPJS with a history (``/_fake/seed``) that its read-back endpoints serve,
encrypted, exactly like what it accepted itself."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from sandbox.fake_bpjs import FakeBpjsConfig, RunningFake, running
from tests.sandbox.test_fake_bpjs import at, booking
from worker.bpjs.client import BpjsClient


@pytest.fixture
async def fake() -> AsyncIterator[RunningFake]:
    async with running(FakeBpjsConfig()) as server:
        yield server


async def test_a_seeded_history_is_read_back_like_an_accepted_one(fake: RunningFake) -> None:
    body = booking("SEED1").model_dump(mode="json")
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{fake.root_url}/_fake/seed",
                                json={"body": body, "tasks": {"3": at(7, 55)}}) as answer:
            assert answer.status == 200
        async with session.post(f"{fake.root_url}/_fake/seed", json={"tasks": []}) as answer:
            assert answer.status == 400
    async with BpjsClient(consid="1234", secret="sandbox-secret", user_key="sandbox-user-key",
                          base_url=fake.base_url) as client:
        listed = await client.pendaftaran_per_tanggal(body["tanggalperiksa"])
        tasks = await client.get_list_task("SEED1")
    assert [p.kodebooking for p in listed] == ["SEED1"]
    assert [(t.taskid, t.waktu) for t in tasks] == [(3, "13-03-2026 07:55:00 WIB")]
    assert tasks[0].wakturs.endswith(" WIB")
