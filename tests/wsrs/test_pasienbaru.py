"""pasienbaru: the 202 -> pasienbaru -> ambilantrean flow, numbers allocated once each."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from .conftest import Wsrs, ambil, kartu, nik


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
    # The fixture's numbering: Straight, last number handed out 000003.
    first = await wsrs.post("ambilantrean", ambil(7))
    assert first["metadata"]["code"] == 202
    created = await wsrs.post("pasienbaru", baru(7))
    assert created == {"response": {"norm": "000004"}, "metadata": {
        "message": "Harap datang ke admisi untuk melengkapi data rekam medis", "code": 200}}
    [pasien] = await wsrs.query("SELECT * FROM pasien WHERE no_rkm_medis = '000004'")
    assert (pasien["no_peserta"], pasien["no_ktp"], pasien["kd_pj"], pasien["jk"]) == (
        kartu(7), nik(7), "BPJ", "P")
    [kab] = await wsrs.query("SELECT nm_kab FROM kabupaten WHERE kd_kab = %s", pasien["kd_kab"])
    assert kab["nm_kab"] == "KABUPATEN BARU"
    assert await wsrs.query("SELECT no_rkm_medis FROM set_no_rkm_medis") == [
        {"no_rkm_medis": "000004"}]
    booked = await wsrs.post("ambilantrean", ambil(7))
    assert booked["metadata"]["code"] == 200
    assert (booked["response"]["norm"], booked["response"]["pasienbaru"]) == ("000004", 1)
    again = await wsrs.post("pasienbaru", baru(7))
    assert again["metadata"] == {
        "message": "Pasien dengan NIK dan No.Kartu tersebut sudah terdaftar", "code": 201}


async def test_field_messages_and_a_number_taken_meanwhile(wsrs: Wsrs) -> None:
    # As if the desktop app had not written back its last number: 000002 and 000003 exist.
    await wsrs.query("UPDATE set_no_rkm_medis SET no_rkm_medis = '000001'")
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
    token = await wsrs.token()
    answers = await asyncio.gather(*(wsrs.post("pasienbaru", baru(n % 40), token)
                                     for n in range(60)))  # 40 people, 20 of them twice
    codes = Counter(a["metadata"]["code"] for a in answers)
    assert codes == {200: 40, 201: 20}
    norms = [a["response"]["norm"] for a in answers if a["metadata"]["code"] == 200]
    assert sorted(norms) == [f"{n:06d}" for n in range(4, 44)]
