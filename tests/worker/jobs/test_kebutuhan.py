"""``sirs_kebutuhan`` against the fake RS Online: POST first, PUT after, newest payload only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from arq.worker import Retry, Worker

from core.errors import Outcome
from core.keys import INBOX_STREAM
from core.queue import open_queue
from core.settings import Settings
from core.state.kebutuhan import KebutuhanStore
from producers.inbox import Inbox, InboxStores
from sandbox.fake_sirs import RunningFakeSirs
from worker.jobs.kebutuhan import sirs_kebutuhan
from worker.services import Services

NEED = {"id_kebutuhan": "26", "jumlah_eksisting": "10", "jumlah": "12", "jumlah_diterima": "0"}
Ctx = Callable[..., dict[str, Any]]


def writes(fake: RunningFakeSirs) -> list[tuple[str, str]]:
    return [(s.method, s.resource) for s in fake.state.seen if s.method != "GET"]


async def test_first_send_posts_and_a_correction_puts(
    services: Services, ctx: Ctx, fake_sirs: RunningFakeSirs
) -> None:
    store = KebutuhanStore(services.state)
    await store.upsert("sdm", "26", NEED)
    assert await sirs_kebutuhan(ctx(), "sdm", "26") == "sdm 26 sent (done)"
    assert fake_sirs.state.kebutuhan["sdm"]["26"]["jumlah"] == "12"
    assert await store.pending() == []
    assert await sirs_kebutuhan(ctx(), "sdm", "26") == "upstream already has the newest payload"

    await store.upsert("sdm", "26", {**NEED, "jumlah_diterima": "4"})
    await sirs_kebutuhan(ctx(), "sdm", "26")
    assert fake_sirs.state.kebutuhan["sdm"]["26"]["jumlah_diterima"] == "4"
    assert writes(fake_sirs) == [("POST", "Fasyankes/sdm"), ("PUT", "Fasyankes/sdm")]
    assert await store.pending() == []
    # A dead-letter replay (force) sends the newest payload even though it was sent.
    await sirs_kebutuhan(ctx(), "sdm", "26", force=True)
    assert writes(fake_sirs)[-1] == ("PUT", "Fasyankes/sdm") and len(writes(fake_sirs)) == 3


async def test_a_record_created_elsewhere_is_updated_with_put(
    services: Services, ctx: Ctx, fake_sirs: RunningFakeSirs
) -> None:
    fake_sirs.state.kebutuhan["apd"]["16"] = {"jumlah_eksisting": "1", "jumlah": "1",
                                              "jumlah_diterima": "1", "tglupdate": "x"}
    store = KebutuhanStore(services.state)
    await store.upsert("apd", "16", {**NEED, "id_kebutuhan": "16", "jumlah": "800"})
    await sirs_kebutuhan(ctx(), "apd", "16")
    assert writes(fake_sirs) == [("POST", "Fasyankes/apd"), ("PUT", "Fasyankes/apd")]
    assert fake_sirs.state.kebutuhan["apd"]["16"]["jumlah"] == "800"
    assert await store.pending() == []


async def test_an_unknown_id_kebutuhan_becomes_a_dead_letter_once(
    services: Services, ctx: Ctx, fake_sirs: RunningFakeSirs
) -> None:
    store = KebutuhanStore(services.state)
    await store.upsert("sdm", "999", {**NEED, "id_kebutuhan": "999"})
    result = await sirs_kebutuhan(ctx(job_id="sirs:sdm:999"), "sdm", "999")
    assert result.startswith("dead letter")
    [letter] = await services.dead_letters.open()
    assert (letter.function, letter.args, letter.outcome) == ("sirs_kebutuhan", ["sdm", "999"],
                                                              "permanent")
    assert "tidak terdaftar" in letter.message
    assert await store.pending() == []  # not offered again until corrected


async def test_an_unavailable_server_means_retry_later_with_the_payload_kept(
    services: Services, ctx: Ctx, fake_sirs: RunningFakeSirs
) -> None:
    store = KebutuhanStore(services.state)
    await store.upsert("sdm", "27", {**NEED, "id_kebutuhan": "27"})
    await fake_sirs.set_faults(error_rate=1.0)
    with pytest.raises(Retry):
        await sirs_kebutuhan(ctx(), "sdm", "27")
    item = await store.get("sdm", "27")
    assert item is not None and item.pending and item.last_outcome == Outcome.RETRY.value
    assert await store.pending() == [("sdm", "27")]
    assert await services.dead_letters.open() == []


async def test_an_sdm_event_reaches_rs_online_through_the_inbox(
    bridge_settings: Settings, services: Services, fake_sirs: RunningFakeSirs,
    run_burst: Callable[[], Awaitable[Worker]],
) -> None:
    queue = await open_queue(bridge_settings.redis_url)
    try:
        inbox = Inbox(services.redis, InboxStores.on(services.state), queue, asyncio.Event(),
                      consumer="e2e")
        await services.redis.xadd(INBOX_STREAM, {"event": json.dumps({"kind": "sdm", **NEED})})
        assert (await inbox.process_once(block_ms=0)).enqueued == 1
        worker = await run_burst()
        assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
        assert fake_sirs.state.kebutuhan["sdm"]["26"]["jumlah_eksisting"] == "10"
    finally:
        await queue.aclose()
