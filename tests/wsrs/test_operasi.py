"""The surgery pair reads booking_operasi (the fixture's two sample operations)."""

from __future__ import annotations

from datetime import datetime

from .conftest import WIB, Wsrs


async def test_hospital_and_patient_surgery_lists(wsrs: Wsrs) -> None:
    wsrs.clock.now = datetime(2025, 1, 15, 12, 0, tzinfo=WIB)
    answer = await wsrs.post("jadwaloperasirs", {"tanggalawal": "2025-01-15",
                                                 "tanggalakhir": "2025-01-31"})
    items = answer["response"]["list"]
    assert [i["kodebooking"] for i in items] == ["2025/01/15/000005", "2025/01/15/000001"]
    first = items[1]
    assert {k: first[k] for k in ("tanggaloperasi", "jenistindakan", "kodepoli", "terlaksana",
                                  "nopeserta")} == {
        "tanggaloperasi": "2025-01-22", "jenistindakan": "ENDOSKOPI SALURAN CERNA ATAS (CONTOH)",
        "kodepoli": "INT", "terlaksana": 0, "nopeserta": "0000000000001"}
    assert first["lastupdate"] == int(wsrs.clock.now.timestamp() * 1000)
    patient = await wsrs.post("jadwaloperasipasien", {"nopeserta": "0000000000001"})
    assert [i["kodebooking"] for i in patient["response"]["list"]] == ["2025/01/15/000001"]
    assert "nopeserta" not in patient["response"]["list"][0]
    for body, message in (
            ({"tanggalawal": "2025-01-14", "tanggalakhir": "2025-01-31"},
             "Tanggal Awal tidak berlaku mundur"),
            ({"tanggalawal": "2025-01-31", "tanggalakhir": "2025-01-20"},
             "Format tanggal awal harus lebih kecil dari tanggal akhir"),
            ({"tanggalawal": "2025-03-01", "tanggalakhir": "2025-03-02"},
             "Maaf tidak ada Jadwal Operasi pada tanggal tersebut")):
        refused = await wsrs.post("jadwaloperasirs", body)
        assert refused["metadata"] == {"message": message, "code": 201}
    none = await wsrs.post("jadwaloperasipasien", {"nopeserta": "0000000000099"})
    assert none["metadata"]["message"] == "Maaf anda tidak memiliki jadwal operasi"
    bad = await wsrs.post("jadwaloperasipasien", {"nopeserta": "12"})
    assert bad["metadata"]["message"] == "Nomor Peserta harus 13 digit"
