"""Bed reconcile against the fake: exact end state in the fewest calls (reference §4.3)."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import RetryableError
from core.sirs.models import BedGroup
from sandbox.fake_sirs import RunningFakeSirs as Fake
from worker.sirs.beds import MemoryIdTtStore, reconcile_beds, upsert_bed
from worker.sirs.endpoints import RsOnline


def group(id_tt: str, ruang: str, jumlah: int, terpakai: int, **values: Any) -> BedGroup:
    return BedGroup.model_validate(
        {"id_tt": id_tt, "ruang": ruang, "jumlah": jumlah, "terpakai": terpakai, **values}
    )


async def preload(fake: Fake, *groups: BedGroup) -> list[str]:
    ids: list[str] = (await fake.fetch("POST", "/_fake/beds", [g.post_body() for g in groups]))[
        "id_t_tt"
    ]
    return ids


def server_groups(fake: Fake) -> dict[tuple[str, str], tuple[int, ...]]:
    return {
        (row["id_tt"], row["ruang"]): BedGroup.model_validate(
            {k: v for k, v in row.items() if k not in ("id_t_tt", "tglupdate")}
        ).counts()
        for row in fake.state.beds.values()
    }


MELATI = group("3", "Melati", 5, 2)
MAWAR_OLD = group("4", "Mawar", 6, 1)
MAWAR = group("4", "Mawar", 6, 4, prepare=1)
ANGGREK = group("5", "Anggrek", 8, 8)
HCU = group("7", "HCU", 4, 1)
DAHLIA = group("2", "VIP Dahlia", 2, 0)
ISOLASI = group("29", "Isolasi Covid", 6, 3, terpakai_suspek=1, terpakai_konfirmasi=2, covid=1)


async def test_reconcile_reaches_the_local_state_in_the_fewest_calls(
    fake: Fake, api: RsOnline
) -> None:
    melati_id, _mawar_id, anggrek_id = await preload(fake, MELATI, MAWAR_OLD, ANGGREK)
    # The store knows Melati, and an id for VIP Dahlia that Kemenkes no longer has.
    store = MemoryIdTtStore({MELATI.key: melati_id, DAHLIA.key: "999", ANGGREK.key: anggrek_id})
    await fake.clear_requests()

    desired = [MELATI, MAWAR, HCU, DAHLIA, ISOLASI]
    summary = await reconcile_beds(api, desired, store, delete_missing=True)

    assert await fake.requests() == [
        ("GET", "Fasyankes"),
        ("PUT", "Fasyankes"),
        ("POST", "Fasyankes"),
        ("POST", "Fasyankes"),
        ("POST", "Fasyankes"),
        ("DELETE", "Fasyankes"),
    ]
    assert server_groups(fake) == {g.key: g.counts() for g in desired}
    assert summary.unchanged == [MELATI.key]
    assert summary.updated == [MAWAR.key]
    assert summary.posted == [HCU.key, DAHLIA.key, ISOLASI.key]
    assert summary.deleted == [anggrek_id] and summary.errors == [] and summary.ok
    server_ids = {(r["id_tt"], r["ruang"]): r["id_t_tt"] for r in fake.state.beds.values()}
    assert store.ids == server_ids

    # A second cycle with nothing changed costs one GET.
    await fake.clear_requests()
    again = await reconcile_beds(api, desired, store, delete_missing=True)
    assert await fake.requests() == [("GET", "Fasyankes")]
    assert sorted(again.unchanged) == sorted(g.key for g in desired)


async def test_server_only_groups_are_kept_without_the_flag(fake: Fake, api: RsOnline) -> None:
    melati_id, anggrek_id = await preload(fake, MELATI, ANGGREK)
    await fake.clear_requests()
    summary = await reconcile_beds(api, [MELATI], MemoryIdTtStore())
    assert await fake.requests() == [("GET", "Fasyankes")]
    assert summary.kept == [anggrek_id] and summary.unchanged == [MELATI.key]
    assert set(fake.state.beds) == {melati_id, anggrek_id}


async def test_refresh_puts_unchanged_groups(fake: Fake, api: RsOnline) -> None:
    await preload(fake, MELATI)
    await fake.clear_requests()
    summary = await reconcile_beds(api, [MELATI], MemoryIdTtStore(), refresh=True)
    assert await fake.requests() == [("GET", "Fasyankes"), ("PUT", "Fasyankes")]
    assert summary.updated == [MELATI.key]


async def test_record_shown_under_another_ruang_is_updated_by_its_stored_id(
    fake: Fake, api: RsOnline
) -> None:
    (melati_id,) = await preload(fake, group("3", "MELATI", 5, 2))
    store = MemoryIdTtStore({MELATI.key: melati_id})
    await fake.clear_requests()
    summary = await reconcile_beds(api, [MELATI], store, delete_missing=True)
    assert await fake.requests() == [("GET", "Fasyankes"), ("PUT", "Fasyankes")]
    assert summary.updated == [MELATI.key]
    assert fake.state.beds[melati_id]["ruang"] == "Melati"


async def test_refused_group_is_reported_and_the_rest_still_sent(fake: Fake, api: RsOnline) -> None:
    unknown_type = group("13", "Ruang Tanpa Kode", 2, 0)
    summary = await reconcile_beds(api, [unknown_type, HCU], MemoryIdTtStore())
    assert summary.posted == [HCU.key]
    assert len(summary.errors) == 1 and summary.errors[0].startswith("13/Ruang Tanpa Kode: ")
    assert "id_tt 13" in summary.errors[0] and not summary.ok
    assert server_groups(fake) == {HCU.key: HCU.counts()}


async def test_transport_failure_stops_the_cycle(fake: Fake, api: RsOnline) -> None:
    await fake.set_faults(error_rate=1.0)
    with pytest.raises(RetryableError):
        await reconcile_beds(api, [HCU], MemoryIdTtStore())


async def test_duplicate_local_groups_are_refused(api: RsOnline) -> None:
    with pytest.raises(ValueError, match="listed twice"):
        await reconcile_beds(api, [HCU, HCU], MemoryIdTtStore())


async def test_upsert_with_known_id_is_one_put(fake: Fake, api: RsOnline) -> None:
    (melati_id,) = await preload(fake, MELATI)
    store = MemoryIdTtStore({MELATI.key: melati_id})
    await fake.clear_requests()
    assert await upsert_bed(api, group("3", "Melati", 5, 5), store) == melati_id
    assert await fake.requests() == [("PUT", "Fasyankes")]
    assert fake.state.beds[melati_id]["terpakai"] == "5"


async def test_upsert_recovers_from_tidak_ditemukan(fake: Fake, api: RsOnline) -> None:
    store = MemoryIdTtStore({MELATI.key: "999"})
    new_id = await upsert_bed(api, MELATI, store)
    assert await fake.requests() == [("PUT", "Fasyankes"), ("POST", "Fasyankes")]
    assert new_id and new_id != "999" and store.ids == {MELATI.key: new_id}
    assert server_groups(fake) == {MELATI.key: MELATI.counts()}


async def test_upsert_recovers_from_sudah_ada(fake: Fake, api: RsOnline) -> None:
    (melati_id,) = await preload(fake, MELATI)
    await fake.clear_requests()
    store = MemoryIdTtStore()
    changed = group("3", "Melati", 5, 4)
    assert await upsert_bed(api, changed, store) == melati_id
    assert await fake.requests() == [
        ("POST", "Fasyankes"),
        ("GET", "Fasyankes"),
        ("PUT", "Fasyankes"),
    ]
    assert store.ids == {MELATI.key: melati_id}
    assert server_groups(fake) == {MELATI.key: changed.counts()}


async def test_put_without_id_stores_nothing_upstream_so_the_client_cannot_send_it(
    fake: Fake, api: RsOnline
) -> None:
    (melati_id,) = await preload(fake, MELATI)
    # What the guide's V1/V2 samples do: PUT by id_tt. The fake, like the real server, says 200.
    answer = await api.call("PUT", "Fasyankes", body=group("3", "Melati", 5, 5).post_body())
    assert answer.status == "200"
    assert fake.state.beds[melati_id]["terpakai"] == "2"
    with pytest.raises(TypeError):
        await api.put_bed(group("3", "Melati", 5, 5))  # type: ignore[call-arg, arg-type]
