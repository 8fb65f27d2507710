"""ambilantrean, statusantrean, sisaantrean, checkinantrean, batalantrean on a real Khanza copy."""

from __future__ import annotations

from datetime import datetime, timedelta

from .conftest import DAY, WIB, Wsrs, add_patients, ambil, kartu, nik

OK = {"message": "Ok", "code": 200}


def ms(local: datetime) -> int:
    return int(local.replace(tzinfo=WIB).timestamp() * 1000)


async def test_a_booking_is_written_like_khanzas_own_and_answered(wsrs: Wsrs) -> None:
    [norm] = await add_patients(wsrs, 1)
    answer = await wsrs.post("ambilantrean", ambil(1))
    assert answer["metadata"] == OK
    got = answer["response"]
    assert got["angkaantrean"] == 1 and got["nomorantrean"] == "INT-001"
    assert got["norm"] == norm and got["pasienbaru"] == 1  # no earlier visit
    assert got["kodebooking"] == "20250205000001"
    assert got["estimasidilayani"] == ms(datetime(2025, 2, 5, 8, 0))  # first in the queue
    assert (got["kuotajkn"], got["sisakuotajkn"]) == (30, 29)
    [reg] = await wsrs.query("SELECT * FROM reg_periksa WHERE no_rawat = %s",
                             "2025/02/05/000001")
    assert (reg["no_reg"], reg["kd_dokter"], reg["kd_poli"], reg["no_rkm_medis"],
            reg["stts"], reg["kd_pj"], reg["stts_daftar"]) == (
        "001", "D001", "INT", norm, "Belum", "BPJ", "Baru")
    [row] = await wsrs.query("SELECT * FROM referensi_mobilejkn_bpjs WHERE nobooking = %s",
                             got["kodebooking"])
    assert (row["no_rawat"], row["status"], row["statuskirim"], row["kodedokter"],
            row["jeniskunjungan"], row["angkaantrean"]) == (
        "2025/02/05/000001", "Belum", "Belum", "99901", "1 (Rujukan FKTP)", "1")
    # A second patient is next in the queue, ten minutes later.
    await add_patients(wsrs, 1, start=2)
    second = (await wsrs.post("ambilantrean", ambil(2)))["response"]
    assert second["angkaantrean"] == 2
    assert second["estimasidilayani"] - got["estimasidilayani"] == 10 * 60 * 1000


async def test_unknown_patient_is_202_then_pasien_is_found_by_nik(wsrs: Wsrs) -> None:
    answer = await wsrs.post("ambilantrean", ambil(50))
    assert answer["metadata"] == {"message": "Data pasien ini tidak ditemukan", "code": 202}
    assert await wsrs.query("SELECT * FROM reg_periksa WHERE tgl_registrasi = %s", DAY) == []
    await add_patients(wsrs, 1, start=50)
    # Known by NIK even if the card number on file differs.
    answer = await wsrs.post("ambilantrean", ambil(50, nomorkartu="9999999999999"))
    assert answer["metadata"] == OK


async def test_booking_rules_refuse_with_the_patients_message(wsrs: Wsrs) -> None:
    await add_patients(wsrs, 2)

    async def message(body: dict[str, object]) -> str:
        answer = await wsrs.post("ambilantrean", body)
        assert answer["metadata"]["code"] == 201, answer
        return str(answer["metadata"]["message"])

    assert (await wsrs.post("ambilantrean", ambil(1)))["metadata"] == OK
    assert await message(ambil(1, nomorreferensi="X1")) == (
        "Nomor Antrean hanya dapat diambil 1 kali pada Tanggal, Dokter dan Poli yang sama")
    assert await message(ambil(1)) == (
        "Anda sudah terdaftar dalam antrian menggunakan nomor referensi yang sama")
    assert await message(ambil(2, tanggalperiksa="2025-02-03")) == (
        "Tanggal Periksa Tidak Berlaku Mundur")
    assert await message(ambil(2, kodepoli="XYZ")) == "Poli tidak ditemukan"
    assert await message(ambil(2, kodedokter="12345")) == "Dokter tidak ditemukan"
    assert await message(ambil(2, jampraktek="09:00-12:00")) == (
        "Jadwal dokter tidak ditemukan pada tanggal dan jam praktek tersebut")
    assert await message(ambil(2, tanggalperiksa="2025-02-06")) == (  # a Thursday
        "Jadwal dokter tidak ditemukan pada tanggal dan jam praktek tersebut")
    wsrs.clock.now = datetime(2025, 2, 5, 12, 0, tzinfo=WIB)
    assert await message(ambil(2)) == "Pendaftaran ke Poli ini sudah tutup"
    [count] = await wsrs.query("SELECT COUNT(*) AS n FROM reg_periksa WHERE tgl_registrasi = %s",
                               DAY)
    assert count["n"] == 1  # nothing half-written by any refusal


async def test_each_field_message(wsrs: Wsrs) -> None:
    cases = [
        ("Nomor Kartu tidak boleh kosong", {"nomorkartu": ""}),
        ("Nomor Kartu harus 13 digit", {"nomorkartu": "123"}),
        ("Format Nomor Kartu tidak sesuai", {"nomorkartu": "12345678901AB"}),
        ("NIK tidak boleh kosong", {"nik": None}),
        ("NIK harus 16 digit", {"nik": "1"}),
        ("Format NIK tidak sesuai", {"nik": "123456789012345X"}),
        ("No.HP tidak boleh kosong", {"nohp": ""}),
        ("Format No.HP salah", {"nohp": "0" * 30}),
        ("Kode Poli tidak boleh kosong", {"kodepoli": ""}),
        ("Poli tidak ditemukan", {"kodepoli": "IN'T"}),
        ("Kode Dokter tidak boleh kosong", {"kodedokter": ""}),
        ("Dokter tidak ditemukan", {"kodedokter": "1 OR 1=1"}),
        ("Tanggal tidak boleh kosong", {"tanggalperiksa": ""}),
        ("Format Tanggal Tidak Sesuai, format yang benar adalah yyyy-mm-dd",
         {"tanggalperiksa": "05-02-2025"}),
        ("Jam Praktek tidak boleh kosong", {"jampraktek": ""}),
        ("Jam Praktek tidak ditemukan", {"jampraktek": "pagi hari saja"}),
        ("Jenis Kunjungan tidak boleh kosong", {"jeniskunjungan": None}),
        ("Jenis Kunjungan tidak ditemukan", {"jeniskunjungan": 7}),
        ("Nomor Referensi tidak boleh kosong", {"nomorreferensi": ""}),
        ("Nomor Referensi tidak sesuai format", {"nomorreferensi": "R" * 41}),
        ("Format Nomor Kartu tidak sesuai", {"nomorkartu": [1, 2]}),
    ]
    for expected, change in cases:
        answer = await wsrs.post("ambilantrean", ambil(1, **change))
        assert answer["metadata"] == {"message": expected, "code": 201}, change


async def test_malformed_and_oversized_bodies_get_a_message_not_a_500(wsrs: Wsrs) -> None:
    headers = {"x-token": await wsrs.token(), "x-username": "mobilejkn"}
    for raw in (b"{not json", b"[1, 2]", b"\xff\xfe", b"null"):
        response = await wsrs.client.post("/wsrs/ambilantrean", data=raw, headers=headers)
        body = await response.json()
        assert response.status == 201
        assert body["metadata"]["message"] == "Format data tidak sesuai (harus JSON)"
    response = await wsrs.client.post("/wsrs/ambilantrean", data=b"{" + b" " * 20_000 + b"}",
                                      headers=headers)
    body = await response.json()
    assert (response.status, body["metadata"]["message"]) == (201, "Ukuran data terlalu besar")


async def test_status_and_sisa_antrean_read_the_live_queue(wsrs: Wsrs) -> None:
    await add_patients(wsrs, 3)
    kodes = [(await wsrs.post("ambilantrean", ambil(n)))["response"]["kodebooking"]
             for n in (1, 2, 3)]
    status = await wsrs.post("statusantrean", {
        "kodepoli": "INT", "kodedokter": 99901, "tanggalperiksa": DAY.isoformat(),
        "jampraktek": "08:00-12:00"})
    assert status["response"] == {
        "namapoli": "PENYAKIT DALAM", "namadokter": "dr. CONTOH SATU, Sp.PD",
        "totalantrean": 3, "sisaantrean": 3, "antreanpanggil": "INT-001",
        "sisakuotajkn": 27, "kuotajkn": 30, "sisakuotanonjkn": 27, "kuotanonjkn": 30,
        "keterangan": ""}
    past = await wsrs.post("statusantrean", {
        "kodepoli": "INT", "kodedokter": 99901, "tanggalperiksa": "2025-01-29",
        "jampraktek": "08:00-12:00"})
    assert past["metadata"] == {"message": "Tanggal Periksa tidak berlaku", "code": 201}

    sisa = await wsrs.post("sisaantrean", {"kodebooking": kodes[2]})
    assert sisa["metadata"]["message"] == (
        "Anda belum melakukan checkin, Silahkan checkin terlebih dahulu")
    wsrs.clock.now = datetime(2025, 2, 5, 7, 0, tzinfo=WIB)
    checkin = await wsrs.post("checkinantrean", {
        "kodebooking": kodes[2], "waktu": ms(datetime(2025, 2, 5, 6, 59, 30))})
    assert checkin["metadata"] == OK
    # The first patient has been seen: two still wait before and including number 3.
    await wsrs.query("UPDATE reg_periksa SET stts = 'Sudah' WHERE no_rawat = %s",
                     "2025/02/05/000001")
    sisa = await wsrs.post("sisaantrean", {"kodebooking": kodes[2]})
    assert sisa["response"] == {
        "nomorantrean": "INT-003", "namapoli": "PENYAKIT DALAM",
        "namadokter": "dr. CONTOH SATU, Sp.PD", "sisaantrean": 2, "antreanpanggil": "INT-002",
        "waktutunggu": 600, "keterangan": ""}
    unknown = await wsrs.post("sisaantrean", {"kodebooking": "20250205999999"})
    assert unknown["metadata"]["message"] == "Data Booking tidak ditemukan"


async def test_checkin_records_the_arrival_time_and_its_rules(wsrs: Wsrs) -> None:
    await add_patients(wsrs, 2)
    kode = (await wsrs.post("ambilantrean", ambil(1)))["response"]["kodebooking"]
    wsrs.clock.now = datetime(2025, 2, 5, 7, 45, tzinfo=WIB)
    arrived = datetime(2025, 2, 5, 7, 44, 12)

    async def checkin(waktu: int, kodebooking: str = kode) -> dict[str, object]:
        answer = await wsrs.post("checkinantrean", {"kodebooking": kodebooking,
                                                    "waktu": waktu})
        return dict(answer["metadata"])

    assert await checkin(ms(datetime(2025, 2, 4, 23, 0))) == {
        "message": "Waktu Checkin tidak berlaku mundur", "code": 201}
    assert await checkin(ms(datetime(2025, 2, 5, 9, 0))) == {
        "message": "Waktu Checkin tidak boleh melebihi waktu sekarang", "code": 201}
    assert await checkin(ms(arrived)) == OK
    [row] = await wsrs.query("SELECT status, validasi FROM referensi_mobilejkn_bpjs "
                             "WHERE nobooking = %s", kode)
    assert (row["status"], row["validasi"]) == ("Checkin", arrived)
    assert await checkin(ms(arrived)) == {
        "message": "Anda Sudah Checkin pada tanggal 2025-02-05 07:44:12", "code": 201}
    assert await checkin(ms(arrived), "20250205999999") == {
        "message": "Data Booking tidak ditemukan", "code": 201}
    late = (await wsrs.post("ambilantrean", ambil(2)))["response"]["kodebooking"]
    wsrs.clock.now = datetime(2025, 2, 5, 8, 5, tzinfo=WIB)
    assert await checkin(ms(datetime(2025, 2, 5, 8, 1)), late) == {
        "message": "Chekin Anda sudah expired. Silahkan konfirmasi ke loket pendaftaran",
        "code": 201}
    for body, expected in (({"waktu": 1}, "Kode Booking tidak boleh kosong"),
                           ({"kodebooking": kode}, "Waktu tidak boleh kosong"),
                           ({"kodebooking": kode, "waktu": "kemarin"},
                            "Format Waktu Checkin tidak sesuai")):
        answer = await wsrs.post("checkinantrean", body)
        assert answer["metadata"] == {"message": expected, "code": 201}


async def test_batal_records_the_time_and_frees_nothing_else(wsrs: Wsrs) -> None:
    await add_patients(wsrs, 2)
    kode = (await wsrs.post("ambilantrean", ambil(1)))["response"]["kodebooking"]
    wsrs.clock.now = datetime(2025, 2, 4, 18, 30, 5, tzinfo=WIB)
    assert (await wsrs.post("batalantrean", {"kodebooking": kode}))["metadata"] == {
        "message": "Keterangan tidak boleh kosong", "code": 201}
    answer = await wsrs.post("batalantrean", {"kodebooking": kode,
                                              "keterangan": "Ada keperluan mendadak"})
    assert answer["metadata"] == OK
    [batal] = await wsrs.query("SELECT * FROM referensi_mobilejkn_bpjs_batal "
                               "WHERE nobooking = %s", kode)
    assert (batal["tanggalbatal"], batal["keterangan"], batal["statuskirim"],
            batal["no_rawat_batal"]) == (datetime(2025, 2, 4, 18, 30, 5),
                                         "Ada keperluan mendadak", "Belum", "2025/02/05/000001")
    [reg] = await wsrs.query("SELECT stts, no_reg FROM reg_periksa WHERE no_rawat = %s",
                             "2025/02/05/000001")
    assert reg == {"stts": "Batal", "no_reg": "001"}
    again = await wsrs.post("batalantrean", {"kodebooking": kode, "keterangan": "x"})
    assert again["metadata"]["message"] == (
        "Booking Anda Sudah Dibatalkan pada tanggal 2025-02-04 18:30:05")
    # The cancelled number is not handed out again; the quota counts only active ones.
    second = (await wsrs.post("ambilantrean", ambil(2)))["response"]
    assert (second["angkaantrean"], second["sisakuotajkn"]) == (2, 29)
    # Checked in: no cancelling; past date: no cancelling.
    wsrs.clock.now = datetime(2025, 2, 5, 7, 0, tzinfo=WIB)
    await wsrs.post("checkinantrean", {"kodebooking": second["kodebooking"],
                                       "waktu": ms(datetime(2025, 2, 5, 6, 58))})
    refused = await wsrs.post("batalantrean", {"kodebooking": second["kodebooking"],
                                               "keterangan": "x"})
    assert refused["metadata"]["message"] == (
        "Anda Sudah Checkin Pada Tanggal 2025-02-05 06:58:00, Pendaftaran Tidak Bisa "
        "Dibatalkan")
    wsrs.clock.now += timedelta(days=1)
    await add_patients(wsrs, 1, start=3)
    wsrs.clock.now = datetime(2025, 2, 4, 9, 0, tzinfo=WIB)
    third = (await wsrs.post("ambilantrean", ambil(3)))["response"]["kodebooking"]
    wsrs.clock.now = datetime(2025, 2, 6, 9, 0, tzinfo=WIB)
    refused = await wsrs.post("batalantrean", {"kodebooking": third, "keterangan": "x"})
    assert refused["metadata"]["message"] == "Pembatalan Antrean tidak berlaku mundur"
    assert nik(1) and kartu(1)
