"""``sirs_shk`` against the fake RS Online: ids kept, later changes PUT with them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from arq.worker import Worker

from core.keys import INBOX_STREAM
from core.queue import open_queue
from core.settings import Settings
from core.sirs.models import HasilShk, ShkPasien
from core.state.shk import ShkStore
from producers.inbox import Inbox, InboxStores
from sandbox.fake_sirs import RunningFakeSirs
from worker.jobs.shk import sirs_shk
from worker.services import Services

Ctx = Callable[..., dict[str, Any]]

PASIEN = {
    "nik_ibu": "3404015501900001", "nama_ibu": "Siti Aminah", "nik_anak": "3404010101250002",
    "nama_anak": "By. Ny. Siti", "tgllahir": "2025-01-13", "gender": "Perempuan", "umur": 2,
    "alamat": "Jl. Kaliurang 5", "provinsi": "34", "kabkota": "3404", "kecamatan": "Depok",
    "tgl_ambil_sampel": "2025-01-15", "tgl_kirim_sampel": "2025-01-15",
    "tgl_lapor": "2025-01-15", "jenis_fasyankes": "2",
}
HASIL = {
    "jenis_pemeriksaan": "1", "hasil_pemeriksaan": "1", "tgl_periksa": "2025-01-16",
    "tgl_hasil": "2025-01-17", "layak_sampel": "1", "id_layak": "1", "tgl_terima": "2025-01-16",
    "tgllapor": "2025-01-17 09:00:00",
}


def pasien_body(**changes: Any) -> dict[str, Any]:
    return ShkPasien.model_validate({**PASIEN, **changes}).body()


def hasil_body(**changes: Any) -> dict[str, Any]:
    body = HasilShk.model_validate({**HASIL, "id_shk": "0", **changes}).body()
    del body["id_shk"]
    return body


def writes(fake: RunningFakeSirs) -> list[tuple[str, str, Any]]:
    return [(s.method, s.resource, s.body) for s in fake.state.seen if s.method != "GET"]


async def test_events_through_the_inbox_then_a_correction_puts_with_the_stored_id(
    bridge_settings: Settings, services: Services, fake_sirs: RunningFakeSirs,
    run_burst: Callable[[], Awaitable[Worker]],
) -> None:
    queue = await open_queue(bridge_settings.redis_url)
    store = ShkStore(services.state)
    try:
        inbox = Inbox(services.redis, InboxStores.on(services.state), queue, asyncio.Event(),
                      consumer="e2e")
        for event in ({"kind": "shk", "ref": "RM000123", **PASIEN},
                      {"kind": "hasil_shk", "ref": "RM000123", **HASIL}):
            await services.redis.xadd(INBOX_STREAM, {"event": json.dumps(event)})
        assert (await inbox.process_once(block_ms=0)).stored == 2
        worker = await run_burst()
        assert worker.jobs_failed == 0

        pasien_id = await store.pasien_id("RM000123")
        assert pasien_id is not None
        case = await store.get(pasien_id)
        assert case is not None and case.pasien.id_shk is not None
        [(id_shk, upstream)] = fake_sirs.state.shk.items()
        assert case.pasien.id_shk == str(id_shk)
        assert upstream["nik_anak"] == PASIEN["nik_anak"] and upstream["koders"] == "3404015"
        [(id_hasil, result)] = fake_sirs.state.hasil_shk.items()
        assert case.hasil[0].id_hasil == str(id_hasil) and str(result["id_shk"]) == str(id_shk)
        assert await store.pending() == []

        # The same baby again, corrected: a PUT carrying the stored id_shk, no new record.
        await services.redis.xadd(INBOX_STREAM, {"event": json.dumps(
            {"kind": "shk", "ref": "RM000123", **PASIEN, "alamat": "Jl. Kaliurang 7"})})
        await services.redis.xadd(INBOX_STREAM, {"event": json.dumps(
            {"kind": "hasil_shk", "ref": "RM000123", **HASIL, "hasil_pemeriksaan": "2"})})
        assert (await inbox.process_once(block_ms=0)).stored == 2
        fake_sirs.state.seen.clear()
        worker = await run_burst()
        assert worker.jobs_failed == 0
        sent = writes(fake_sirs)
        assert [(m, r) for m, r, _ in sent] == [("PUT", "Pasien/shk"), ("PUT", "Pasien/hasilShk")]
        assert sent[0][2]["id_shk"] == id_shk
        assert str(sent[1][2]["id_hasil"]) == str(id_hasil)
        assert list(fake_sirs.state.shk) == [id_shk]
        assert fake_sirs.state.shk[id_shk]["alamat"] == "Jl. Kaliurang 7"
        assert fake_sirs.state.hasil_shk[id_hasil]["hasil_pemeriksaan"] == "2"
        assert await store.pending() == []
    finally:
        await queue.aclose()


async def test_a_post_whose_answer_was_lost_is_looked_up_not_duplicated(
    services: Services, ctx: Ctx, fake_sirs: RunningFakeSirs
) -> None:
    store = ShkStore(services.state)
    pasien_id = await store.upsert_pasien("RM5", pasien_body())
    # An earlier try POSTed, RS Online stored it, and the answer never came back.
    await store.posting_pasien(pasien_id)
    fake_sirs.state.shk[282999] = {**pasien_body(), "koders": "3404015"}
    await sirs_shk(ctx(), pasien_id)
    case = await store.get(pasien_id)
    assert case is not None and case.pasien.id_shk == "282999"
    assert [(m, r) for m, r, _ in writes(fake_sirs)] == [("PUT", "Pasien/shk")]
    assert list(fake_sirs.state.shk) == [282999]


async def test_a_patient_rs_online_lost_is_posted_again_with_its_results(
    services: Services, ctx: Ctx, fake_sirs: RunningFakeSirs
) -> None:
    store = ShkStore(services.state)
    pasien_id = await store.upsert_pasien("RM6", pasien_body())
    await store.upsert_hasil("RM6", "1", hasil_body())
    await sirs_shk(ctx(), pasien_id)
    first = await store.get(pasien_id)
    assert first is not None and first.pasien.id_shk is not None
    # RS Online lost the patient and its results (deleted upstream, or a server restore).
    fake_sirs.state.shk.clear()
    fake_sirs.state.hasil_shk.clear()
    fake_sirs.state.seen.clear()

    await store.upsert_pasien("RM6", pasien_body(umur=3))
    await sirs_shk(ctx(), pasien_id)
    case = await store.get(pasien_id)
    assert case is not None and case.pasien.id_shk is not None
    assert case.pasien.id_shk != first.pasien.id_shk
    assert [(m, r) for m, r, _ in writes(fake_sirs)] == [
        ("PUT", "Pasien/shk"), ("POST", "Pasien/shk"), ("POST", "Pasien/hasilShk")]
    assert list(fake_sirs.state.shk) == [int(case.pasien.id_shk)]
    assert [str(h["id_shk"]) for h in fake_sirs.state.hasil_shk.values()] == [case.pasien.id_shk]
    assert await store.pending() == []


async def test_a_result_waits_until_its_patient_is_on_rs_online(
    services: Services, ctx: Ctx, fake_sirs: RunningFakeSirs
) -> None:
    store = ShkStore(services.state)
    pasien_id = await store.upsert_pasien("RM8", pasien_body(koders="0000000"))
    await store.upsert_hasil("RM8", "1", hasil_body())
    result = await sirs_shk(ctx(job_id=f"sirs:shk:{pasien_id}"), pasien_id)
    assert result.startswith("dead letter")
    assert fake_sirs.state.shk == {} and fake_sirs.state.hasil_shk == {}
    assert await store.pending() == []  # refused for good: waits for a corrected patient
    [letter] = await services.dead_letters.open()
    assert letter.args == [pasien_id] and "koders" in letter.message

    # Corrected, then replayed: the patient goes first, then its waiting result.
    await store.upsert_pasien("RM8", pasien_body())
    assert await store.pending() == [pasien_id]
    await sirs_shk(ctx(), pasien_id, force=True)
    assert [(m, r) for m, r, _ in writes(fake_sirs)][-2:] == [
        ("POST", "Pasien/shk"), ("POST", "Pasien/hasilShk")]
    assert await store.pending() == []
