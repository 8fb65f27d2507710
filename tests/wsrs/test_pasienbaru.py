"""pasienbaru: the 202 -> pasienbaru -> ambilantrean flow, numbers allocated once each."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from pathlib import Path
from typing import Any

from core.db import connect

from .conftest import Wsrs, ambil, kartu, nik

SHARED_SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "khanza" / "schema.sql"


async def ensure_numbering_tables(w: Wsrs, last: str | None = "000100") -> None:
    """Khanza's two numbering tables, created from the upstream definitions when the
    fixture does not have them yet (the fixture's own copy is being extended)."""
    existing = await w.query("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE "
                             "TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'set_%%'")
    have = {r["t"] for r in existing}
    schema = SHARED_SCHEMA.read_text()
    conn = await connect(w.db_url, setting="test")
    try:
        async with conn.cursor() as cursor:
            for table in ("set_urut_no_rkm_medis", "set_no_rkm_medis"):
                if table not in have:
                    match = re.search(rf"CREATE TABLE `{table}` \(.*?\) ENGINE=[^;]*;", schema,
                                      re.S)
                    assert match, table
                    await cursor.execute(match.group(0))
            await cursor.execute("DELETE FROM set_urut_no_rkm_medis")
            await cursor.execute("INSERT INTO set_urut_no_rkm_medis VALUES "
                                 "('Straight', 'No', 'No', 'Depan')")
            await cursor.execute("DELETE FROM set_no_rkm_medis")
            if last is not None:
                await cursor.execute("INSERT INTO set_no_rkm_medis VALUES (%s)", (last,))
    finally:
        conn.close()


def baru(n: int, **changes: Any) -> dict[str, Any]:
    body = {"nomorkartu": kartu(n), "nik": nik(n), "nomorkk": "3" * 16, "nama": f"BARU {n}",
            "jeniskelamin": "P", "tanggallahir": "1990-03-01", "nohp": "085600000000",
            "alamat": "JL. BARU NO. 1", "kodeprop": "11", "namaprop": "PROPINSI CONTOH",
            "kodedati2": "0120", "namadati2": "KABUPATEN BARU", "kodekec": "1319",
            "namakec": "KECAMATAN CONTOH", "kodekel": "D2105", "namakel": "KELURAHAN CONTOH",
            "rw": "001", "rt": "013"}
    body.update(changes)
    return body


async def test_unknown_patient_registers_then_books(wsrs: Wsrs) -> None:
    await ensure_numbering_tables(wsrs)
    first = await wsrs.post("ambilantrean", ambil(7))
    assert first["metadata"]["code"] == 202
    created = await wsrs.post("pasienbaru", baru(7))
    assert created == {"response": {"norm": "000101"}, "metadata": {
        "message": "Harap datang ke admisi untuk melengkapi data rekam medis", "code": 200}}
    [pasien] = await wsrs.query("SELECT * FROM pasien WHERE no_rkm_medis = '000101'")
    assert (pasien["no_peserta"], pasien["no_ktp"], pasien["kd_pj"], pasien["jk"]) == (
        kartu(7), nik(7), "BPJ", "P")
    [kab] = await wsrs.query("SELECT nm_kab FROM kabupaten WHERE kd_kab = %s", pasien["kd_kab"])
    assert kab["nm_kab"] == "KABUPATEN BARU"
    assert await wsrs.query("SELECT no_rkm_medis FROM set_no_rkm_medis") == [
        {"no_rkm_medis": "000101"}]
    booked = await wsrs.post("ambilantrean", ambil(7))
    assert booked["metadata"]["code"] == 200
    assert (booked["response"]["norm"], booked["response"]["pasienbaru"]) == ("000101", 1)
    again = await wsrs.post("pasienbaru", baru(7))
    assert again["metadata"] == {
        "message": "Pasien dengan NIK dan No.Kartu tersebut sudah terdaftar", "code": 201}


async def test_field_messages_and_a_number_taken_meanwhile(wsrs: Wsrs) -> None:
    await ensure_numbering_tables(wsrs, last="000001")  # 000002 exists in the fixture
    for change, expected in (({"nomorkk": "12"}, "Nomor KK harus 16 digit"),
                             ({"nama": ""}, "Nama tidak boleh kosong"),
                             ({"jeniskelamin": "X"}, "Jenis Kelamin tidak ditemukan"),
                             ({"tanggallahir": "2030-01-01"}, "Tanggal lahir pasien salah"),
                             ({"rt": ""}, "RT tidak boleh kosong")):
        answer = await wsrs.post("pasienbaru", baru(8, **change))
        assert answer["metadata"] == {"message": expected, "code": 201}, change
    created = await wsrs.post("pasienbaru", baru(8))
    assert created["response"]["norm"] not in ("000001", "000002")


async def test_simultaneous_new_patients_get_distinct_numbers(wsrs: Wsrs) -> None:
    await ensure_numbering_tables(wsrs)
    token = await wsrs.token()
    answers = await asyncio.gather(*(wsrs.post("pasienbaru", baru(n % 40), token)
                                     for n in range(60)))  # 40 people, 20 of them twice
    codes = Counter(a["metadata"]["code"] for a in answers)
    assert codes == {200: 40, 201: 20}
    norms = [a["response"]["norm"] for a in answers if a["metadata"]["code"] == 200]
    assert sorted(norms) == [f"{n:06d}" for n in range(101, 141)]
