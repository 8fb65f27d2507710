"""The request bodies of the WS RS endpoints (reference wsrs.md), checked field by field.

Fields are declared in the order Khanza's web service checks them, so the first
error — the one the patient sees — is the one Khanza would have given. Unknown
extra fields are ignored (BPJS may add some); a missing field counts as empty.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from wsrs.fields import code, digits, tanggal, text

__all__ = [
    "Ambil",
    "Batal",
    "Checkin",
    "Kodebooking",
    "OperasiPasien",
    "OperasiRs",
    "PasienBaru",
    "Status",
    "first_message",
]

NomorKartu = Annotated[str, BeforeValidator(digits("Nomor Kartu", 13))]
Nik = Annotated[str, BeforeValidator(digits("NIK", 16))]
NoHp = Annotated[str, BeforeValidator(text("No.HP", 15, bad="Format No.HP salah"))]
KodePoli = Annotated[str, BeforeValidator(code("Kode Poli", 15, "Poli tidak ditemukan"))]
KodeDokter = Annotated[str, BeforeValidator(code("Kode Dokter", 20, "Dokter tidak ditemukan"))]
TanggalPeriksa = Annotated[date, BeforeValidator(tanggal("Tanggal"))]
JamPraktek = Annotated[str, BeforeValidator(code("Jam Praktek", 11, "Jam Praktek tidak ditemukan"))]
KodeBooking = Annotated[str, BeforeValidator(code("Kode Booking", 15, "Format Kode Booking salah"))]


def _jenis(value: Any) -> int:
    if value is None or value == "" or (type(value) is int and value == 0):
        raise ValueError("Jenis Kunjungan tidak boleh kosong")
    if str(value).strip() not in ("1", "2", "3", "4"):
        raise ValueError("Jenis Kunjungan tidak ditemukan")
    return int(str(value).strip())


def _waktu(value: Any) -> int:
    if value is None or value == "" or (type(value) is int and value == 0):
        raise ValueError("Waktu tidak boleh kosong")
    text_value = str(value).strip()
    if isinstance(value, bool) or not text_value.isdigit() or len(text_value) > 14:
        raise ValueError("Format Waktu Checkin tidak sesuai")
    return int(text_value)


def _jk(value: Any) -> str:
    if value is None or value == "":
        raise ValueError("Jenis Kelamin tidak boleh kosong")
    if value not in ("L", "P"):
        raise ValueError("Jenis Kelamin tidak ditemukan")
    return str(value)


class _Body(BaseModel):
    model_config = ConfigDict(validate_default=True, extra="ignore", frozen=True)


class Status(_Body):
    kodepoli: KodePoli = ""
    kodedokter: KodeDokter = ""
    tanggalperiksa: TanggalPeriksa = date.min
    jampraktek: JamPraktek = ""


class Ambil(_Body):
    nomorkartu: NomorKartu = ""
    nik: Nik = ""
    nohp: NoHp = ""
    kodepoli: KodePoli = ""
    norm: Annotated[str, BeforeValidator(text("No.RM", 15, required=False,
                                              bad="Format No.RM salah"))] = ""
    tanggalperiksa: TanggalPeriksa = date.min
    kodedokter: KodeDokter = ""
    jampraktek: JamPraktek = ""
    jeniskunjungan: Annotated[int, BeforeValidator(_jenis)] = 0
    nomorreferensi: Annotated[str, BeforeValidator(text(
        "Nomor Referensi", 40, bad="Nomor Referensi tidak sesuai format"))] = ""


class Kodebooking(_Body):
    kodebooking: KodeBooking = ""


class Checkin(Kodebooking):
    waktu: Annotated[int, BeforeValidator(_waktu)] = 0


class Batal(Kodebooking):
    keterangan: Annotated[str, BeforeValidator(text("Keterangan", 200))] = ""


class PasienBaru(_Body):
    nomorkartu: NomorKartu = ""
    nik: Nik = ""
    nomorkk: Annotated[str, BeforeValidator(digits("Nomor KK", 16))] = ""
    nama: Annotated[str, BeforeValidator(text("Nama", 40))] = ""
    jeniskelamin: Annotated[str, BeforeValidator(_jk)] = ""
    tanggallahir: Annotated[date, BeforeValidator(tanggal("Tanggal Lahir"))] = date.min
    nohp: NoHp = ""
    alamat: Annotated[str, BeforeValidator(text("Alamat", 200))] = ""
    kodeprop: Annotated[str, BeforeValidator(text("Kode Propinsi", 10))] = ""
    namaprop: Annotated[str, BeforeValidator(text("Nama Propinsi", 30))] = ""
    kodedati2: Annotated[str, BeforeValidator(text("Kode Dati II", 10))] = ""
    namadati2: Annotated[str, BeforeValidator(text("Nama Dati II", 60))] = ""
    kodekec: Annotated[str, BeforeValidator(text("Kode Kecamatan", 10))] = ""
    namakec: Annotated[str, BeforeValidator(text("Nama Kecamatan", 60))] = ""
    kodekel: Annotated[str, BeforeValidator(text("Kode Kelurahan", 10))] = ""
    namakel: Annotated[str, BeforeValidator(text("Nama Kelurahan", 60))] = ""
    rw: Annotated[str, BeforeValidator(text("RW", 5))] = ""
    rt: Annotated[str, BeforeValidator(text("RT", 5))] = ""


class OperasiRs(_Body):
    tanggalawal: Annotated[date, BeforeValidator(tanggal("Tanggal Awal"))] = date.min
    tanggalakhir: Annotated[date, BeforeValidator(tanggal("Tanggal Akhir"))] = date.min


class OperasiPasien(_Body):
    nopeserta: Annotated[str, BeforeValidator(digits("Nomor Peserta", 13))] = ""


def first_message(exc: ValidationError) -> str:
    """The patient's message: our own sentence, or a plain one for anything else."""
    error = exc.errors()[0]
    if error["type"] == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    field = ".".join(str(part) for part in error["loc"]) or "data"
    return f"Format {field} tidak sesuai"
