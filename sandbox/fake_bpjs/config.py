"""How the fake is set up and what it says: config, reference defaults, message texts.

Texts are the literal strings public clients branch on; where no public text
exists the guess is marked ``(guess)`` at the place that sends it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["ADD_FIELDS", "BAD_DATE", "HARI", "NOT_FOUND", "NO_CONTENT", "OK", "TASK_NAMES",
           "UNREGISTERED", "ZONE_LABELS", "Answer", "FakeBpjsConfig"]

Answer = tuple[int, str, Any]  # metadata code, message, response (None = metadata only)
OK: Answer = (200, "Ok", None)
NO_CONTENT: Answer = (204, "No Content", None)

# Seen with code "404" on another apijkn service (reference §4); the real text for a bad
# signature or a stale timestamp is not public, so every gateway refusal uses it (guess).
UNREGISTERED = "Unauthorized! You are not registered for this service!"
NOT_FOUND = "Kode Booking tidak ditemukan"
BAD_DATE = "Format Tanggal Tidak Sesuai, format yang benar adalah yyyy-mm-dd"

TASK_NAMES = {
    1: "mulai waktu tunggu admisi",
    2: "akhir waktu tunggu admisi/mulai waktu layan admisi",
    3: "akhir waktu layan admisi/mulai waktu tunggu poli",
    4: "akhir waktu tunggu poli/mulai waktu layan poli",
    5: "akhir waktu layan poli/mulai waktu tunggu farmasi",
    6: "akhir waktu tunggu farmasi/mulai waktu layan farmasi membuat obat",
    7: "akhir waktu obat selesai dibuat",
    99: "tidak hadir/batal",
}
HARI = ("", "SENIN", "SELASA", "RABU", "KAMIS", "JUMAT", "SABTU", "MINGGU")
ZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
               "Asia/Jayapura": "WIT"}
ADD_FIELDS = ("kodebooking", "jenispasien", "nomorkartu", "nik", "nohp", "kodepoli", "namapoli",
              "pasienbaru", "norm", "tanggalperiksa", "kodedokter", "namadokter", "jampraktek",
              "jeniskunjungan", "nomorreferensi", "nomorantrean", "angkaantrean",
              "estimasidilayani", "sisakuotajkn", "kuotajkn", "sisakuotanonjkn", "kuotanonjkn",
              "keterangan")


def _default_poli() -> list[dict[str, Any]]:
    # Matches maping_poli_bpjs / maping_dokter_dpjpvclaim of the sample Khanza data.
    return [
        {"kdpoli": "INT", "nmpoli": "PENYAKIT DALAM", "kdsubspesialis": "INT",
         "nmsubspesialis": "PENYAKIT DALAM"},
        {"kdpoli": "ANA", "nmpoli": "ANAK", "kdsubspesialis": "ANA", "nmsubspesialis": "ANAK"},
    ]


def _default_dokter() -> list[dict[str, Any]]:
    return [{"kodedokter": 99901, "namadokter": "dr. CONTOH SATU, Sp.PD"},
            {"kodedokter": 99902, "namadokter": "dr. CONTOH DUA, Sp.A"}]


def _default_jadwal() -> list[dict[str, Any]]:
    rows = []
    for hari in range(1, 7):
        rows.append({"kodepoli": "INT", "namapoli": "PENYAKIT DALAM", "kodesubspesialis": "INT",
                     "namasubspesialis": "PENYAKIT DALAM", "kodedokter": 99901,
                     "namadokter": "dr. CONTOH SATU, Sp.PD", "hari": hari,
                     "jadwal": "08:00-12:00", "kapasitaspasien": 30, "libur": 0})
        rows.append({"kodepoli": "ANA", "namapoli": "ANAK", "kodesubspesialis": "ANA",
                     "namasubspesialis": "ANAK", "kodedokter": 99902,
                     "namadokter": "dr. CONTOH DUA, Sp.A", "hari": hari,
                     "jadwal": "09:00-13:00", "kapasitaspasien": 20, "libur": 0})
    return rows


@dataclass
class FakeBpjsConfig:
    consid: str = "1234"
    secret: str = "sandbox-secret"  # noqa: S105 - the sandbox default of Settings
    user_key: str = "sandbox-user-key"
    timezone: str = "Asia/Jakarta"
    skew_seconds: float = 300.0
    base_path: str = "/antreanrs"
    kdppk: str = "0000R001"
    nmppk: str = "RS SANDBOX"
    poli: list[dict[str, Any]] = field(default_factory=_default_poli)
    poli_fp: list[dict[str, Any]] = field(default_factory=list)  # dev answered "No Content"
    dokter: list[dict[str, Any]] = field(default_factory=_default_dokter)
    jadwal: list[dict[str, Any]] = field(default_factory=_default_jadwal)
    clock: Callable[[], float] = time.time
    # Encrypt responses with another secret: a key mismatch that the gateway does not catch.
    encrypt_secret: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def zone_label(self) -> str:
        return ZONE_LABELS.get(self.timezone, self.timezone)

