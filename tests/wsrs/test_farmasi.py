"""The pharmacy pair reads the live prescriptions of the sample day."""

from __future__ import annotations

from datetime import datetime

from .conftest import WIB, Wsrs


async def test_pharmacy_queue_of_a_booking(wsrs: Wsrs) -> None:
    wsrs.clock.now = datetime(2025, 1, 15, 9, 0, tzinfo=WIB)
    # The sample booking's prescription 202501150001 was handed over; 202501150002 waits.
    ambil = await wsrs.post("ambilantreanfarmasi", {"kodebooking": "20250115000001"})
    assert ambil["response"] == {"jenisresep": "Non Racikan", "nomorantrean": 1,
                                 "keterangan": ""}
    status = await wsrs.post("statusantreanfarmasi", {"kodebooking": "20250115000001"})
    assert status["response"] == {"jenisresep": "Non Racikan", "totalantrean": 2,
                                  "sisaantrean": 0, "antreanpanggil": 2, "keterangan": ""}
    await wsrs.query("UPDATE resep_obat SET tgl_penyerahan = '0000-00-00' "
                     "WHERE no_resep = '202501150001'")
    status = await wsrs.post("statusantreanfarmasi", {"kodebooking": "20250115000001"})
    assert (status["response"]["sisaantrean"], status["response"]["antreanpanggil"]) == (1, 1)
    missing = await wsrs.post("statusantreanfarmasi", {"kodebooking": "20250115999999"})
    assert missing["metadata"] == {"message": "Data Booking tidak ditemukan", "code": 201}
