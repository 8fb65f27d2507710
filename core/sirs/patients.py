"""RS Online V3 patient-level payloads: SHK screening and Antrian (KPI 1).

These carry patient identifiers (NIK, no. RM), so the rules on their shape
(16-digit NIK, epoch milliseconds, no referral number for NON JKN) are checked
here, before anything is sent, rather than learnt from a refusal upstream.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from core.sirs.fields import Code, Count, SirsModel, Tanggal, Text, Timestamp

__all__ = ["Antrian", "AntrianTask", "HasilShk", "ShkPasien", "ShkQuery"]


# --- SHK (newborn congenital hypothyroidism screening) ------------------------------------------

Nik = Annotated[str, Field(pattern=r"^\d{16}$")]


class ShkPasien(SirsModel):
    """``Pasien/shk`` POST body (PUT adds ``id_shk``); ``koders`` defaults to our rs id."""

    koders: str | None = None
    nik_ibu: Nik
    nama_ibu: Text
    nik_anak: Nik
    nama_anak: Text
    tgllahir: Tanggal
    gender: Literal["Laki-Laki", "Perempuan"]
    umur: Count
    alamat: Text
    provinsi: Annotated[str, Field(pattern=r"^\d{2}$")]
    kabkota: Annotated[str, Field(pattern=r"^\d{4}$")]
    kecamatan: Text
    tgl_ambil_sampel: Tanggal
    tgl_kirim_sampel: Tanggal
    tgl_lapor: Tanggal
    kode_perujuk: str = ""
    nama_fayankes_perujuk: str = ""  # sic, as in the guide
    jenis_fasyankes: Code


class ShkQuery(SirsModel):
    tgl_ambil_sampel: Tanggal | None = None
    id_shk: int | None = None


class HasilShk(SirsModel):
    """``Pasien/hasilShk`` POST body; the PUT adds ``id_hasil`` and the two names."""

    id_shk: Code
    jenis_pemeriksaan: Code
    hasil_pemeriksaan: Code
    tgl_periksa: Tanggal
    tgl_hasil: Tanggal
    layak_sampel: Code
    id_layak: Code
    tgl_terima: Tanggal
    tgllapor: Timestamp
    nama_pemeriksaan: str | None = None
    nama_hasil: str | None = None


# --- Antrian (KPI 1) ----------------------------------------------------------------------------

_EPOCH_MS_MIN = 10**12  # 2001-09-09 in milliseconds: anything smaller is seconds by mistake


def _epoch_ms(value: int) -> int:
    if value < _EPOCH_MS_MIN:
        raise ValueError(f"must be epoch milliseconds, got {value} (seconds?)")
    return value


EpochMs = Annotated[int, AfterValidator(_epoch_ms)]


class Antrian(SirsModel):
    kodebooking: Text
    jenispasien: Literal["JKN", "NON JKN"]
    nik: str
    kodepoli: Text
    namapoli: Text
    pasienbaru: Literal[0, 1]
    norm: Text
    tanggalperiksa: Tanggal
    kodedokter: int
    namadokter: Text
    jampraktek: Text
    jeniskunjungan: Literal[1, 2, 3, 4]
    nomorreferensi: str = ""
    nomorantrean: Text
    angkaantrean: int = Field(ge=0)
    estimasidilayani: EpochMs
    keterangan: str = ""

    @model_validator(mode="after")
    def _referensi(self) -> Antrian:
        if self.jenispasien == "NON JKN" and self.nomorreferensi:
            raise ValueError("nomorreferensi: must be empty for NON JKN patients")
        return self


class AntrianTask(SirsModel):
    kodebooking: Text
    taskid: Literal[1, 2, 3, 4, 5, 6, 7, 99]
    waktu: EpochMs
