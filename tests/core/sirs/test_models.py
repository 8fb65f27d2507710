"""The guide's payload rules, enforced before anything is sent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from core.sirs.models import (
    Antrian,
    AntrianTask,
    BedGroup,
    BedRow,
    NakesTerinfeksi,
    Oksigen,
    PcrNakes,
    ShkPasien,
    explain,
)


def bed(**values: Any) -> BedGroup:
    return BedGroup.model_validate(
        {"id_tt": "3", "ruang": "Melati", "jumlah": 5, "terpakai": 2, **values}
    )


def error_of(model: Any, data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return explain(info.value)


def test_bed_body_follows_the_guide() -> None:
    group = bed(id_tt=3, jumlah="7", terpakai="3", antrian=2)
    body = group.post_body()
    assert body["id_tt"] == "3" and body["jumlah"] == "7" and body["antrian"] == "2"
    assert body["covid"] == 0  # a number in the guide, unlike the counts
    put = group.put_body("71590")
    assert put["id_t_tt"] == "71590" and "id_tt" not in put
    assert {k: v for k, v in put.items() if k != "id_t_tt"} == {
        k: v for k, v in body.items() if k != "id_tt"
    }


def test_covid_bed_needs_terpakai_as_the_sum() -> None:
    ok = bed(covid=1, terpakai=5, terpakai_suspek=2, terpakai_konfirmasi=3)
    assert ok.covid == 1
    message = error_of(
        BedGroup,
        {
            "id_tt": "30",
            "ruang": "Isolasi",
            "jumlah": 9,
            "terpakai": 5,
            "terpakai_suspek": 1,
            "terpakai_konfirmasi": 1,
            "covid": 1,
        },
    )
    assert message.startswith("terpakai:") and "terpakai_suspek + terpakai_konfirmasi" in message


def test_non_covid_bed_refuses_suspek_and_konfirmasi() -> None:
    message = error_of(
        BedGroup, {"id_tt": "3", "ruang": "M", "jumlah": 5, "terpakai": 2, "terpakai_suspek": 1}
    )
    assert message.startswith("terpakai_suspek:") and "covid=0" in message


def test_ruang_apostrophe_is_replaced_and_length_limited() -> None:
    assert bed(ruang="  Ruang Ibu' Anak ").ruang == "Ruang Ibu\u2019 Anak"
    assert len(bed(ruang="x" * 100).ruang) == 100
    message = error_of(BedGroup, {"id_tt": "3", "ruang": "x" * 101, "jumlah": 1, "terpakai": 0})
    assert message.startswith("ruang:") and "100" in message


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"id_tt": "tiga"}, "id_tt"),
        ({"jumlah": -1}, "jumlah"),
        ({"covid": 2}, "covid"),
        ({"ruang": "  "}, "ruang"),
        ({"kapasitas": 3}, "kapasitas"),
    ],
)
def test_bad_bed_fields_are_named(data: dict[str, Any], field: str) -> None:
    base = {"id_tt": "3", "ruang": "Melati", "jumlah": 5, "terpakai": 2}
    assert error_of(BedGroup, {**base, **data}).startswith(f"{field}:")


def test_bed_row_placeholders_and_counts() -> None:
    placeholder = BedRow.model_validate(
        {
            "id_tt": "1",
            "tt": None,
            "ruang": None,
            "id_t_tt": None,
            "jumlah": None,
            "tglupdate": None,
        }
    )
    assert not placeholder.registered
    row = BedRow.model_validate(
        {
            "id_tt": "3",
            "ruang": "Melati",
            "id_t_tt": "34452729",
            "jumlah_ruang": "1",
            "jumlah": "5",
            "terpakai": "2",
            "covid": "0",
            "terpakai_dbd": None,
            "kode_siranap": "0003",
        }
    )
    assert row.registered and row.key == ("3", "Melati")
    assert row.counts() == bed().counts()


def test_dates_must_be_yyyy_mm_dd() -> None:
    assert error_of(Oksigen, {"tanggal": "21-07-2021"}).startswith("tanggal: must be a date")
    assert Oksigen.model_validate({"tanggal": "2021-07-01"}).tanggal == date(2021, 7, 1)


def test_oksigen_is_decimal_m3() -> None:
    report = Oksigen.model_validate(
        {"tanggal": "2021-07-01", "k_isi_tabung_sedang": "8999.09", "p_cair": 120}
    )
    body = report.body()
    assert body["k_isi_tabung_sedang"] == "8999.09" and body["p_cair"] == "120"
    assert body["p_tabung_besar"] == "0"
    assert error_of(Oksigen, {"tanggal": "2021-07-01", "p_cair": "-1"}).startswith("p_cair:")
    trimmed = Oksigen.model_validate({"tanggal": "2021-07-01", "p_cair": "1.50"}).body()
    assert trimmed["p_cair"] == "1.5"
    assert isinstance(report.model_dump()["p_cair"], Decimal)


def test_pcr_nakes_fills_and_checks_the_totals() -> None:
    data = {
        "tanggal": "2021-07-21",
        "tgllapor": "2021-07-22 11:47:16",
        "jumlah_tenaga_dokter_umum": "51",
        "jumlah_tenaga_perawat": "1309",
        "hasil_pcr_internship": "2",
    }
    body = PcrNakes.model_validate(data).body()
    assert body["rekap_jumlah_tenaga"] == "1360"
    assert body["rekap_jumlah_hasil_pcr"] == "2"
    assert body["tgllapor"] == "2021-07-22 11:47:16"
    assert len(body) == 2 + 36 + 3
    message = error_of(PcrNakes, {**data, "rekap_jumlah_tenaga": "9"})
    assert message.startswith("rekap_jumlah_tenaga:") and "1360" in message
    assert error_of(PcrNakes, {"tanggal": "2021-07-21"}) == "tgllapor: is required"


def test_nakes_terinfeksi_uses_the_guides_column_names() -> None:
    report = NakesTerinfeksi.model_validate(
        {"tanggal": "2021-07-21", "intership": 1, "internship_isoman": 2, "analisis_lab_sembuh": 3}
    )
    body = report.body()
    assert body["intership"] == "1" and body["intership_isoman"] == "2"
    assert body["analis_lab_sembuh"] == "3"
    assert len(body) == 1 + 12 * 5
    assert not any(key.startswith(("internship", "analisis")) for key in body)
    message = error_of(NakesTerinfeksi, {"tanggal": "2021-07-21", "perawat_wafat": 1})
    assert message.startswith("perawat_wafat: is not a field")


def antrian(**values: Any) -> dict[str, Any]:
    return {
        "kodebooking": "B1",
        "jenispasien": "JKN",
        "nik": "3404010101010001",
        "kodepoli": "INT",
        "namapoli": "Penyakit Dalam",
        "pasienbaru": 0,
        "norm": "123456",
        "tanggalperiksa": "2024-03-01",
        "kodedokter": 12345,
        "namadokter": "dr. A",
        "jampraktek": "08:00-12:00",
        "jeniskunjungan": 1,
        "nomorreferensi": "0301R0010324",
        "nomorantrean": "A-12",
        "angkaantrean": 12,
        "estimasidilayani": 1709258400000,
        "keterangan": "",
        **values,
    }


def test_antrian_rules() -> None:
    assert Antrian.model_validate(antrian()).body()["tanggalperiksa"] == "2024-03-01"
    assert error_of(Antrian, antrian(estimasidilayani=1709258400)).startswith("estimasidilayani:")
    assert "nomorreferensi" in error_of(Antrian, antrian(jenispasien="NON JKN"))
    assert error_of(
        AntrianTask, {"kodebooking": "B1", "taskid": 8, "waktu": 1709258400000}
    ).startswith("taskid:")


def test_shk_nik_must_have_16_digits() -> None:
    data = {
        "nik_ibu": "123",
        "nama_ibu": "I",
        "nik_anak": "0" * 16,
        "nama_anak": "A",
        "tgllahir": "2022-11-25",
        "gender": "Laki-Laki",
        "umur": 1,
        "alamat": "x",
        "provinsi": "34",
        "kabkota": "3404",
        "kecamatan": "DEPOK",
        "tgl_ambil_sampel": "2022-11-22",
        "tgl_kirim_sampel": "2022-11-22",
        "tgl_lapor": "2023-01-16",
        "jenis_fasyankes": "2",
    }
    assert error_of(ShkPasien, data).startswith("nik_ibu:")
