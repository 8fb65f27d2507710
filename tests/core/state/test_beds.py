"""bed_idtt and bed_mapping: ids survive the process; a mapping is swapped whole or not at all."""

from __future__ import annotations

import aiomysql
import pymysql
import pytest

from core.state.beds import BedMapping, BedMappingStore, MariaDbIdTtStore


async def test_id_t_tt_round_trip(state_pool: aiomysql.Pool) -> None:
    store = MariaDbIdTtStore(state_pool)
    assert await store.get(("3", "Ruang Mawar")) is None
    await store.put(("3", "Ruang Mawar"), "71590")
    await store.put(("5", "Ruang Melati"), "71591")
    await store.put(("3", "Ruang Mawar"), "71600")  # the server gave a new id: replaced
    assert await store.get(("3", "Ruang Mawar")) == "71600"
    # A second store on the same database (another worker process) sees the same ids.
    assert await MariaDbIdTtStore(state_pool).list() == {
        ("3", "Ruang Mawar"): "71600", ("5", "Ruang Melati"): "71591"}
    await store.delete(("3", "Ruang Mawar"))
    await store.delete(("9", "never stored"))
    assert await store.list() == {("5", "Ruang Melati"): "71591"}


async def test_a_case_only_rename_keeps_list_keys_as_asked(state_pool: aiomysql.Pool) -> None:
    """The column ignores case; the stored spelling follows the newest put."""
    store = MariaDbIdTtStore(state_pool)
    await store.put(("3", "Ruang Mawar"), "1")
    await store.put(("3", "RUANG MAWAR"), "2")
    assert await store.list() == {("3", "RUANG MAWAR"): "2"}


SAMPLE = [
    BedMapping("ICU", "Kelas Utama", "6", "Ruang ICU", 0),
    BedMapping("MLT", "Kelas 3", "5", "Ruang Melati", 0),
    BedMapping("MWR", "Kelas 1", "3", "Ruang Mawar", 0),
]


def plain(rows: list[BedMapping]) -> list[tuple[object, ...]]:
    return [(m.kd_bangsal, m.kelas, m.id_tt, m.ruang, m.covid) for m in rows]


async def test_replace_all_swaps_the_whole_mapping(state_pool: aiomysql.Pool) -> None:
    store = BedMappingStore(state_pool)
    assert await store.all() == []
    await store.replace_all(SAMPLE)
    loaded = await store.all()
    assert plain(loaded) == plain(SAMPLE)
    assert all(m.loaded_at is not None for m in loaded)
    newer = [BedMapping("MWR", "Kelas 1", "4", "Bangsal Umum", 0),
             BedMapping("MWR", None, "4", "Bangsal Umum", 1)]
    await store.replace_all(newer)
    assert plain(await store.all()) == plain([newer[1], newer[0]])  # NULL kelas ('') sorts first
    await store.replace_all([])
    assert await store.all() == []


async def test_a_failing_replace_leaves_the_old_mapping(state_pool: aiomysql.Pool) -> None:
    store = BedMappingStore(state_pool)
    await store.replace_all(SAMPLE)
    broken = [BedMapping("MWR", "Kelas 1", "3", "A", 0), BedMapping("MWR", "Kelas 1", "3", "B", 0)]
    with pytest.raises(pymysql.err.IntegrityError):
        await store.replace_all(broken)  # the second row breaks the key after the DELETE ran
    assert plain(await store.all()) == plain(SAMPLE)
