"""How the fake is set up and the reference tables it serves, written out from the guide.

The field lists are deliberately not imported from ``worker.sirs`` so that a
misspelt field in the client is refused rather than mirrored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "BED_COUNTS",
    "KEBUTUHAN_APD",
    "KEBUTUHAN_SDM",
    "KEYS",
    "NOT_FOUND_PAGE",
    "REPORT_FIELDS",
    "REPORT_KINDS",
    "TASK_IDS",
    "TEMPAT_TIDUR",
    "Answer",
    "FakeSirsConfig",
    "Rows",
]

Rows = list[dict[str, Any]]
Answer = tuple[Rows, int]

TEMPAT_TIDUR = {
    "1": "VVIP/ Super VIP", "2": "VIP", "3": "Kelas I", "4": "Kelas II", "5": "Kelas III",
    "6": "ICU Tanpa Ventilator", "7": "HCU", "8": "ICCU/ICVCU Tanpa Ventilator",
    "9": "RICU Tanpa Ventilator", "10": "NICU Tanpa Ventilator", "11": "PICU Tanpa Ventilator",
    "12": "Isolasi", "14": "Perinatologi", "24": "ICU Tekanan Negatif dengan Ventilator",
    "25": "ICU Tekanan Negatif tanpa Ventilator",
    "26": "ICU Tanpa Tekanan Negatif Dengan Ventilator",
    "27": "ICU Tanpa Tekanan Negatif Tanpa Ventilator", "28": "Isolasi Tekanan Negatif",
    "29": "Isolasi Tanpa Tekanan Negatif", "30": "NICU Khusus Covid", "31": "PICU Khusus Covid",
    "32": "IGD Khusus Covid", "33": "VK (TT Observasi di R Bersalin) Khusus Covid",
    "34": "Isolasi Perinatologi Khusus Covid", "36": "VK (TT Observasi di R Bersalin) Non Covid",
    "37": "Intermediate Ward (IGD)", "38": "ICU Dengan Ventilator", "39": "NICU Dengan Ventilator",
    "40": "PICU Dengan Ventilator", "50": "RICU Dengan Ventilator",
    "51": "ICCU/ICVCU Dengan Ventilator", "52": "KRIS JKN",
}  # fmt: skip
KEBUTUHAN_SDM = {"26": "Dokter", "27": "Dokter Spesialis Paru",
                 "28": "Dokter Spesialis Penyakit Dalam", "29": "Perawat"}
KEBUTUHAN_APD = {"1": "Protection Gown", "2": "Google Glass", "3": "Sarung Tangan Panjang",
                 "16": "Masker N95"}
BED_COUNTS = ("jumlah_ruang", "jumlah", "terpakai", "terpakai_suspek", "terpakai_konfirmasi",
              "antrian", "prepare", "prepare_plan", "terpakai_dbd", "terpakai_dbd_anak",
              "jumlah_dbd")
_PCR = ("dokter_umum", "dokter_spesialis", "dokter_gigi", "residen", "perawat", "bidan",
        "apoteker", "radiografer", "analis_lab", "co_ass", "internship", "nakes_lainnya")
_NAKES = ("co_ass", "residen", "intership", "dokter_spesialis", "dokter_umum", "dokter_gigi",
          "perawat", "bidan", "apoteker", "radiografer", "analis_lab", "nakes_lainnya")
REPORT_FIELDS: dict[str, frozenset[str]] = {
    "Pasien/pcr_nakes": frozenset(
        [f"{m}_{g}" for g in _PCR for m in ("jumlah_tenaga", "sudah_periksa", "hasil_pcr")]
        + ["rekap_jumlah_tenaga", "rekap_jumlah_sudah_diperiksa", "rekap_jumlah_hasil_pcr",
           "tgllapor"]),
    "Pasien/harian_nakes_terinfeksi": frozenset(
        f"{g}{s}" for g in _NAKES for s in ("", "_meninggal", "_dirawat", "_isoman", "_sembuh")),
    "Logistik/oksigen": frozenset(
        f"{p}{t}" for p in ("p_", "k_isi_")
        for t in ("cair", "tabung_kecil", "tabung_sedang", "tabung_besar")),
}  # fmt: skip
REPORT_KINDS = {"pcr_nakes": "Pasien/pcr_nakes",
                "nakes_terinfeksi": "Pasien/harian_nakes_terinfeksi",
                "oksigen": "Logistik/oksigen"}
KEYS = {
    "Referensi/tempat_tidur": "tempat_tidur", "Referensi/kebutuhan_sdm": "kebutuhan_sdm",
    "Referensi/kebutuhan_apd": "kebutuhan_apd", "Fasyankes": "fasyankes",
    "Fasyankes/sdm": "sdm", "Fasyankes/apd": "apd", "Pasien/pcr_nakes": "PCRNakes",
    "Pasien/harian_nakes_terinfeksi": "HarianNakesTerinfeksi",
    "Logistik/oksigen": "Oksigenasi", "Pasien/shk": "shk", "Pasien/hasilShk": "shk",
    "Antrian": "antrian", "Antrian/Task": "task",
}  # fmt: skip
TASK_IDS = frozenset({1, 2, 3, 4, 5, 6, 7, 99})
NOT_FOUND_PAGE = ("<html><head><title>404 Page Not Found</title></head><body><h1>404 Page Not "
                  "Found</h1><p>The page you requested was not found.</p></body></html>")


def _jakarta_today() -> date:
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


@dataclass
class FakeSirsConfig:
    rs_id: str = "3404015"
    password: str = "sandbox-password"  # noqa: S105 - the sandbox default
    base_path: str = "/fo/index.php"
    accept_md5: bool = False
    # The guide says POST inserts or updates by tanggal; False makes POST refuse an
    # existing date with "sudah ada, silahkan edit dengan method PUT" (a stricter server).
    report_post_upserts: bool = True
    today: Callable[[], date] = _jakarta_today
    first_id_t_tt: int = 34452700

