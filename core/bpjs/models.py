"""Request bodies and decrypted responses of the BPJS Antrean RS web service.

Field names are the protocol's own (reference §3), so a model reads like the
TrustMark catalogue and a body can be compared with a captured request by eye.

Requests are strict where a wrong value would only come back as a 201 from
BPJS anyway (task ids, 0/1 flags, date formats): failing here names the field
before anything leaves the hospital. Responses are tolerant: public clients
disagree on whether ``kodedokter`` or ``hari`` are numbers or strings, and a
read-back must not fail because BPJS changed a number into a string, so those
fields accept both and most fields have defaults.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AntreanAdd",
    "Batal",
    "Dashboard",
    "DashboardList",
    "Dokter",
    "FarmasiAdd",
    "GetListTask",
    "JadwalDokter",
    "JadwalHari",
    "PasienFp",
    "Pendaftaran",
    "Poli",
    "PoliFp",
    "TaskListItem",
    "UpdateJadwalDokter",
    "UpdateWaktu",
]

TANGGAL = r"^\d{4}-\d{2}-\d{2}$"
JAM_PRAKTEK = r"^\d{2}:\d{2}-\d{2}:\d{2}$"
JAM = r"^\d{2}:\d{2}$"

TaskId = Literal[1, 2, 3, 4, 5, 6, 7, 99]
NumberOrText = int | str


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Response(BaseModel):
    # BPJS adds fields without notice; unknown ones are kept, never an error.
    model_config = ConfigDict(extra="allow", frozen=True)


# --- request bodies -------------------------------------------------------------------------


class AntreanAdd(_Request):
    """``POST antrean/add`` (reference §3.1); NON JKN patients send ``""`` or ``"-"`` ids."""

    kodebooking: str = Field(min_length=1)
    jenispasien: Literal["JKN", "NON JKN"]
    nomorkartu: str
    nik: str
    nohp: str
    kodepoli: str = Field(min_length=1)
    namapoli: str
    pasienbaru: Literal[0, 1]
    norm: str
    tanggalperiksa: str = Field(pattern=TANGGAL)
    kodedokter: NumberOrText
    namadokter: str
    jampraktek: str = Field(pattern=JAM_PRAKTEK)
    jeniskunjungan: Literal[1, 2, 3, 4]
    nomorreferensi: str
    nomorantrean: str
    angkaantrean: int
    estimasidilayani: int = Field(description="epoch milliseconds")
    sisakuotajkn: int
    kuotajkn: int
    sisakuotanonjkn: int
    kuotanonjkn: int
    keterangan: str


class UpdateWaktu(_Request):
    """``POST antrean/updatewaktu``; ``waktu`` is epoch ms of the hospital's own record."""

    kodebooking: str = Field(min_length=1)
    taskid: TaskId
    waktu: int = Field(gt=0, description="epoch milliseconds")
    jenisresep: str | None = None


class Batal(_Request):
    kodebooking: str = Field(min_length=1)
    keterangan: str


class FarmasiAdd(_Request):
    kodebooking: str = Field(min_length=1)
    jenisresep: str
    nomorantrean: int
    keterangan: str


class GetListTask(_Request):
    kodebooking: str = Field(min_length=1)


class JadwalHari(_Request):
    """One day of a schedule: ``hari`` "1" (Senin) .. "7" (Minggu), "8" = national holiday."""

    hari: Literal["1", "2", "3", "4", "5", "6", "7", "8"]
    buka: str = Field(pattern=JAM)
    tutup: str = Field(pattern=JAM)


class UpdateJadwalDokter(_Request):
    kodepoli: str
    kodesubspesialis: str
    kodedokter: NumberOrText
    jadwal: list[JadwalHari] = Field(min_length=1)


# --- decrypted responses --------------------------------------------------------------------


class Poli(_Response):
    kdpoli: str
    nmpoli: str
    kdsubspesialis: str = ""
    nmsubspesialis: str = ""


class Dokter(_Response):
    kodedokter: NumberOrText
    namadokter: str


class JadwalDokter(_Response):
    kodedokter: NumberOrText
    namadokter: str = ""
    kodepoli: str = ""
    namapoli: str = ""
    kodesubspesialis: str = ""
    namasubspesialis: str = ""
    hari: NumberOrText = ""
    namahari: str = ""
    jadwal: str = ""
    kapasitaspasien: int | None = None
    libur: int = 0


class PoliFp(_Response):
    kodepoli: str
    namapoli: str = ""
    kodesubspesialis: str = ""
    namasubspesialis: str = ""


class PasienFp(_Response):
    """Fingerprint registration of a participant; ``daftarfp`` 1 = registered."""

    nomorkartu: str = ""
    nik: str = ""
    tgllahir: str = ""
    daftarfp: int = 0


class TaskListItem(_Response):
    """One task as BPJS stored it; times are BPJS text like ``24-03-2021 12:55:23 WIB``.

    ``waktu`` is the time the hospital sent, ``wakturs`` when BPJS received it.
    They stay strings: the zone label is part of the text and not every
    hospital is in WIB.
    """

    kodebooking: str
    taskid: int
    taskname: str = ""
    waktu: str = ""
    wakturs: str = ""


class Pendaftaran(_Response):
    kodebooking: str
    tanggal: str = ""
    kodepoli: str = ""
    kodedokter: NumberOrText = ""
    jampraktek: str = ""
    nik: str = ""
    nokapst: str = ""
    nohp: str = ""
    norekammedis: str = ""
    jeniskunjungan: NumberOrText = ""
    nomorreferensi: str = ""
    sumberdata: str = ""
    ispeserta: NumberOrText = ""
    noantrean: str = ""
    estimasidilayani: NumberOrText | None = None
    createdtime: NumberOrText | None = None
    status: str = ""


class Dashboard(_Response):
    """Average waiting/service seconds per poli; task1..6 as defined in reference §3."""

    kdppk: str = ""
    nmppk: str = ""
    kodepoli: str = ""
    namapoli: str = ""
    tanggal: str = ""
    jumlah_antrean: int = 0
    insertdate: int | None = None
    waktu_task1: float = 0
    waktu_task2: float = 0
    waktu_task3: float = 0
    waktu_task4: float = 0
    waktu_task5: float = 0
    waktu_task6: float = 0
    avg_waktu_task1: float = 0
    avg_waktu_task2: float = 0
    avg_waktu_task3: float = 0
    avg_waktu_task4: float = 0
    avg_waktu_task5: float = 0
    avg_waktu_task6: float = 0


class DashboardList(_Response):
    items: list[Dashboard] = Field(default_factory=list, alias="list")
