"""SHK patients and results: newest payloads, RS Online's ids, and what is pending."""

from __future__ import annotations

import aiomysql

from core.errors import Outcome
from core.state.reports import payload_hash
from core.state.shk import ShkStore

PASIEN = {"nik_anak": "3404010101250002", "nama_anak": "By. Ny. Siti", "umur": 2}
HASIL = {"jenis_pemeriksaan": "1", "hasil_pemeriksaan": "1", "tgl_periksa": "2025-01-16"}


async def test_upsert_keeps_one_row_per_ref_and_the_newest_payload(
    state_pool: aiomysql.Pool,
) -> None:
    store = ShkStore(state_pool)
    first = await store.upsert_pasien("RM1", PASIEN)
    other = await store.upsert_pasien("RM2", PASIEN)
    again = await store.upsert_pasien("RM1", {**PASIEN, "umur": 3})
    assert first == again != other
    assert await store.pasien_id("RM1") == first
    case = await store.get(first)
    assert case is not None and case.pasien.payload["umur"] == 3 and case.pasien.ref == "RM1"
    assert case.pasien.id_shk is None and case.hasil == []
    assert await store.pending() == [first, other]
    assert await store.get(999999) is None


async def test_a_result_before_its_patient_waits_then_comes_with_it(
    state_pool: aiomysql.Pool,
) -> None:
    store = ShkStore(state_pool)
    assert await store.upsert_hasil("RM9", "1", HASIL) is None
    assert await store.pending() == []
    pasien_id = await store.upsert_pasien("RM9", PASIEN)
    assert await store.upsert_hasil("RM9", "1", {**HASIL, "hasil_pemeriksaan": "2"}) == pasien_id
    case = await store.get(pasien_id)
    assert case is not None and [h.payload["hasil_pemeriksaan"] for h in case.hasil] == ["2"]

    await store.posting_pasien(pasien_id)
    case = await store.get(pasien_id)
    assert case is not None and case.pasien.posting_since is not None
    await store.set_id_shk(pasien_id, "282881")
    await store.mark_pasien_sent(pasien_id, payload_hash(PASIEN), Outcome.DONE, "ok")
    assert await store.pending() == [pasien_id]  # its result is still unsent

    hasil = case.hasil[0]
    await store.set_id_hasil(hasil.id, "13401")
    await store.mark_hasil_sent(hasil.id, hasil.payload_hash, Outcome.DONE, "ok")
    assert await store.pending() == []
    case = await store.get(pasien_id)
    assert case is not None
    assert (case.pasien.id_shk, case.pasien.posting_since, case.hasil[0].id_hasil) == (
        "282881", None, "13401")


async def test_forgetting_the_id_shk_makes_patient_and_results_pending_again(
    state_pool: aiomysql.Pool,
) -> None:
    store = ShkStore(state_pool)
    pasien_id = await store.upsert_pasien("RM5", PASIEN)
    await store.upsert_hasil("RM5", "1", HASIL)
    case = await store.get(pasien_id)
    assert case is not None
    await store.set_id_shk(pasien_id, "1")
    await store.mark_pasien_sent(pasien_id, case.pasien.payload_hash, Outcome.DONE, "ok")
    await store.set_id_hasil(case.hasil[0].id, "2")
    await store.mark_hasil_sent(case.hasil[0].id, case.hasil[0].payload_hash, Outcome.DONE, "ok")
    assert await store.pending() == []
    await store.forget_id_shk(pasien_id)
    case = await store.get(pasien_id)
    assert case is not None
    assert (case.pasien.id_shk, case.pasien.pending) == (None, True)
    assert (case.hasil[0].id_hasil, case.hasil[0].pending) == (None, True)
    assert await store.pending() == [pasien_id]


async def test_a_patient_refused_for_good_is_not_offered_again_until_corrected(
    state_pool: aiomysql.Pool,
) -> None:
    store = ShkStore(state_pool)
    pasien_id = await store.upsert_pasien("RM7", PASIEN)
    await store.upsert_hasil("RM7", "1", HASIL)
    await store.mark_pasien_failed(pasien_id, Outcome.PERMANENT, "koders tidak sesuai",
                                   payload_hash(PASIEN))
    # Neither the patient nor its result (which needs the patient's id_shk) is offered.
    assert await store.pending() == []
    await store.upsert_pasien("RM7", {**PASIEN, "umur": 4})
    assert await store.pending() == [pasien_id]
    case = await store.get(pasien_id)
    assert case is not None and case.pasien.last_outcome == "permanent"
