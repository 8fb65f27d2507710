"""Every read-only SQL statement run on Khanza, by name, with sample parameters.

The registry lets one test execute each statement against the real upstream
definitions (schema drift fails there, not at a hospital) and EXPLAIN each on
the fixture (no full scan of a table that grows with history). A new query
must be added here, or ``test_queries`` fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from core.khanza import antrean, beds, bookings, farmasi, mapping, operasi, sep, tasks

__all__ = ["ALL_QUERIES", "BIG_TABLES", "OPTIONAL_TABLES", "executable"]

ALL_QUERIES: Mapping[str, str] = {
    "mobile_jkn_in_range": bookings.MOBILE_JKN_IN_RANGE,
    "mobile_jkn_of_booking": bookings.MOBILE_JKN_OF_BOOKING,
    "onsite_in_range": bookings.ONSITE_IN_RANGE,
    "onsite_of_visit": bookings.ONSITE_OF_VISIT,
    "jadwal_of_doctors": bookings.JADWAL_OF_DOCTORS,
    "taskid_sent_in_range": bookings.TASKID_SENT_IN_RANGE,
    "taskid_sent_of_visit": bookings.TASKID_SENT_OF_VISIT,
    "mutasi_berkas_in_range": tasks.MUTASI_BERKAS_IN_RANGE,
    "mutasi_berkas_of_visit": tasks.MUTASI_BERKAS_OF_VISIT,
    "pemeriksaan_ralan_in_range": tasks.PEMERIKSAAN_RALAN_IN_RANGE,
    "pemeriksaan_ralan_of_visit": tasks.PEMERIKSAAN_RALAN_OF_VISIT,
    "resep_obat_in_range": tasks.RESEP_OBAT_IN_RANGE,
    "resep_obat_of_visit": tasks.RESEP_OBAT_OF_VISIT,
    "racikan_table_exists": tasks.RACIKAN_TABLE_EXISTS,
    "racikan_for_resep": tasks.RACIKAN_FOR_RESEP,
    "ward_counts": beds.WARD_COUNTS,
    "all_bangsal": beds.ALL_BANGSAL,
    "kamar_classes": beds.KAMAR_CLASSES,
    # The WS RS's live queue reads (its locking reads are checked in tests/wsrs).
    "wsrs_day_figures": antrean.DAY_FIGURES,
    "wsrs_booking_of_kode": antrean.BOOKING_OF_KODE,
    "wsrs_prescription_of_booking": farmasi.PRESCRIPTION_OF_BOOKING,
    "wsrs_prescriptions_of_day": farmasi.PRESCRIPTIONS_OF_DAY,
    # The surgery pair (jadwaloperasirs / jadwaloperasipasien). booking_operasi has no
    # date index upstream, so the hospital list scans it (small, asked for rarely).
    "wsrs_operasi_in_range": operasi.OPERASI_IN_RANGE,
    "wsrs_operasi_of_peserta": operasi.OPERASI_OF_PESERTA,
    "sep_in_range": sep.SEP_IN_RANGE,
    "sep_of_visit": sep.SEP_OF_VISIT,
    "maping_poli": mapping.MAPING_POLI,
    "maping_dokter": mapping.MAPING_DOKTER,
    "jadwal_of_day": mapping.JADWAL_OF_DAY,
}

# Tables that grow with every visit: a query must reach them through a key.
BIG_TABLES = frozenset({
    "reg_periksa", "referensi_mobilejkn_bpjs", "referensi_mobilejkn_bpjs_batal",
    "mutasi_berkas", "pemeriksaan_ralan", "resep_obat", "kamar_inap", "resep_dokter_racikan",
    "referensi_mobilejkn_bpjs_taskid", "bridging_sep",
})

# Queries on tables many installs lack; the code checks first (tasks.load_racikan).
OPTIONAL_TABLES: Mapping[str, str] = {"racikan_for_resep": "resep_dokter_racikan"}

_SAMPLE_DAY = date(2025, 1, 15)
_LO, _HI = bookings.no_rawat_range(_SAMPLE_DAY, _SAMPLE_DAY)
_SAMPLES: Mapping[str, tuple[object, ...]] = {
    "mobile_jkn_in_range": (_LO, _HI),
    "mobile_jkn_of_booking": ("20250115000001",),
    "onsite_in_range": (_LO, _HI),
    "onsite_of_visit": ("2025/01/15/000005",),
    "jadwal_of_doctors": ("D001", "D002"),
    "taskid_sent_in_range": (_LO, _HI),
    "taskid_sent_of_visit": ("2025/01/15/000001",),
    "mutasi_berkas_in_range": (_LO, _HI),
    "mutasi_berkas_of_visit": ("2025/01/15/000001",),
    "pemeriksaan_ralan_in_range": (_LO, _HI),
    "pemeriksaan_ralan_of_visit": ("2025/01/15/000001",),
    "resep_obat_in_range": (_LO, _HI),
    "resep_obat_of_visit": ("2025/01/15/000001",),
    "racikan_table_exists": ("resep_dokter_racikan",),
    "racikan_for_resep": ("202501150001", "202501150002"),
    "ward_counts": (beds.ACTIVE,),
    "all_bangsal": (),
    "kamar_classes": (),
    "wsrs_day_figures": (3, "D001", _LO, _HI, _SAMPLE_DAY, "INT"),
    "wsrs_booking_of_kode": ("20250115000001",),
    "wsrs_prescription_of_booking": ("20250115000001",),
    "wsrs_prescriptions_of_day": (_LO, _HI),
    "wsrs_operasi_in_range": (_SAMPLE_DAY, date(2025, 1, 31)),
    "wsrs_operasi_of_peserta": ("0000000000001",),
    "sep_in_range": (_LO, _HI),
    "sep_of_visit": ("2025/01/15/000001",),
    "maping_poli": (),
    "maping_dokter": (),
    "jadwal_of_day": ("RABU",),
}


def executable(name: str) -> tuple[str, tuple[object, ...]]:
    """The statement ``name`` ready to run, with sample parameters from the sample day."""
    params = _SAMPLES[name]
    sql = ALL_QUERIES[name]
    if "{placeholders}" in sql:
        sql = tasks.in_list(sql, len(params))
    return sql, params
