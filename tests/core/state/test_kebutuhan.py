"""SDM/APD needs: newest payload per id_kebutuhan wins; only that payload counts as sent."""

from __future__ import annotations

import aiomysql

from core.errors import Outcome
from core.state.kebutuhan import KebutuhanStore
from core.state.reports import payload_hash

FIRST = {"id_kebutuhan": "26", "jumlah_eksisting": "10", "jumlah": "12", "jumlah_diterima": "0"}
SECOND = {**FIRST, "jumlah_diterima": "2"}


async def test_newest_payload_wins_and_only_it_counts_as_sent(state_pool: aiomysql.Pool) -> None:
    store = KebutuhanStore(state_pool)
    await store.upsert("sdm", "26", FIRST)
    await store.upsert("apd", "26", {**FIRST, "jumlah": "99"})
    item = await store.get("sdm", "26")
    assert item is not None and item.payload == FIRST and item.pending and not item.on_server
    assert await store.pending() == [("apd", "26"), ("sdm", "26")]

    await store.mark_sent("sdm", "26", payload_hash(FIRST), Outcome.DONE, "Berhasil")
    await store.upsert("sdm", "26", SECOND)
    item = await store.get("sdm", "26")
    assert item is not None and item.payload == SECOND and item.pending and item.on_server
    # A job that sent the older payload must not mark the newer one as sent.
    await store.mark_sent("sdm", "26", payload_hash(FIRST), Outcome.DONE, "Berhasil")
    assert ("sdm", "26") in await store.pending()
    await store.mark_sent("sdm", "26", payload_hash(SECOND), Outcome.DONE, "Berhasil")
    assert await store.pending() == [("apd", "26")]
    assert await store.get("kind", "none") is None


async def test_a_payload_refused_for_good_waits_for_a_correction(
    state_pool: aiomysql.Pool,
) -> None:
    store = KebutuhanStore(state_pool)
    await store.upsert("apd", "77", {**FIRST, "id_kebutuhan": "77"})
    await store.mark_failed("apd", "77", Outcome.RETRY, "HTTP 503")
    assert await store.pending() == [("apd", "77")]  # transient: still offered
    refused = payload_hash({**FIRST, "id_kebutuhan": "77"})
    await store.mark_failed("apd", "77", Outcome.PERMANENT, "tidak terdaftar", refused)
    assert await store.pending() == []
    item = await store.get("apd", "77")
    assert item is not None
    assert (item.last_outcome, item.last_message, item.pending) == ("permanent",
                                                                    "tidak terdaftar", True)
    await store.upsert("apd", "77", {**FIRST, "id_kebutuhan": "77", "jumlah": "13"})
    assert await store.pending() == [("apd", "77")]
