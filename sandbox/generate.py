"""Synthetic outpatient visits in a Khanza database, for functional tests and benchmarks.

The visits are written into the tables the producer reads, consistent with
the sample day of ``sandbox/khanza/sample-data.sql`` (load that first): its
doctors D001 (poli INT, BPJS 99901) and D002 (poli ANA, BPJS 99902) with
their BPJS mappings, a ``jadwal`` session on the visit's weekday (added when
the sample has none for that day), and invented patients (NIK and card
numbers starting with 000, names "PASIEN CONTOH ..."). Each visit is a
``reg_periksa`` row numbered ``yyyy/mm/dd/NNNNNN`` with, in time order on that
day, the medical-record file sent and received (``mutasi_berkas``: tasks 3
and 4 under the default task sources), a SOAP note (``pemeriksaan_ralan``:
task 5) and, for every ``resep_every``-th visit, a validated and handed-over
prescription (``resep_obat``: tasks 6 and 7 and ``farmasi/add``).

Two kinds, as the producer distinguishes them:

* ``onsite``: a walk-in UMUM patient (kd_pj ``A09``); kodebooking = no_rawat;
  the daemon sends its ``antrean/add`` (NON JKN) itself.
* ``mobile_jkn``: a BPJS patient booked through Mobile JKN
  (``referensi_mobilejkn_bpjs``, not yet sent); kodebooking =
  ``yyyymmddNNNNNN``.

Everything is written with ``executemany`` (PyMySQL turns it into multi-row
INSERTs) in one transaction, so 2,000 visits load in about a second.
``add_history`` repeats that day after day for large historical tables
(about 1,000,000 rows for the producer benchmark; not yet measured there).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import aiomysql

__all__ = [
    "HARI",
    "Kind",
    "PlannedVisit",
    "add_history",
    "add_visits",
    "epoch_ms",
    "plan_visits",
]

logger = logging.getLogger(__name__)

Kind = Literal["onsite", "mobile_jkn"]

HARI = ("SENIN", "SELASA", "RABU", "KAMIS", "JUMAT", "SABTU", "AKHAD")  # date.weekday() order
WIB = ZoneInfo("Asia/Jakarta")

# (kd_dokter, kd_poli, BPJS kodedokter, jam_mulai, jam_selesai, kuota) from the sample data.
DOCTORS = (
    ("D001", "INT", "99901", time(8), time(12), 30),
    ("D002", "ANA", "99902", time(9), time(13), 20),
)
FIRST_RM = 100_000  # generated no_rkm_medis start here; the sample uses 000001-000003
DAY_START = time(6, 30)
SPREAD = timedelta(hours=15)  # first task times fall in 06:30-21:30; a visit lasts < 90 min
ZERO_DATETIME = "0000-00-00 00:00:00"


@dataclass(frozen=True)
class PlannedVisit:
    """One visit as it will be written; ``tasks`` are local wall-clock times (no zone)."""

    no: int
    kind: Kind
    no_rawat: str
    kodebooking: str
    no_rkm_medis: str
    kd_dokter: str
    kd_poli: str
    no_reg: int
    tasks: dict[int, datetime] = field(default_factory=dict)
    peresepan: datetime | None = None

    @property
    def resep(self) -> bool:
        return self.peresepan is not None


def epoch_ms(local: datetime, zone: ZoneInfo = WIB) -> int:
    """A Khanza wall-clock time as the epoch milliseconds the upstreams expect."""
    return int(local.replace(tzinfo=zone).timestamp() * 1000)


def plan_visits(
    day: date, count: int, *, kind: Kind = "onsite", start_no: int = 1, resep_every: int = 0,
) -> list[PlannedVisit]:
    """The visits ``add_visits`` writes, without touching a database (deterministic).

    Visit ``no`` gets no_rawat ``yyyy/mm/dd/{no:06d}``, doctor ``no % 2`` and queue number
    ``(no - 1) // 2 + 1`` with that doctor, so calls that mix kinds on one day (each with
    its own ``start_no`` range) still number every doctor's queue without gaps or repeats.
    """
    if count < 0 or start_no < 1 or start_no + count - 1 > 999_999:
        raise ValueError("visit numbers must stay within 1..999999")
    step = max(1, int(SPREAD.total_seconds()) // max(count, 1))
    first = datetime.combine(day, DAY_START)
    visits = []
    for index, no in enumerate(range(start_no, start_no + count)):
        rng = random.Random(day.toordinal() * 1_000_003 + no)
        kd_dokter, kd_poli, *_ = DOCTORS[no % len(DOCTORS)]
        offset = (index * step) % int(SPREAD.total_seconds())
        t3 = first + timedelta(seconds=offset)
        t4 = t3 + timedelta(seconds=rng.randint(60, 1200))
        t5 = t4 + timedelta(seconds=rng.randint(60, 900))
        tasks = {3: t3, 4: t4, 5: t5}
        peresepan = None
        if resep_every and no % resep_every == 0:
            peresepan = t5 + timedelta(seconds=rng.randint(30, 300))
            tasks[6] = peresepan + timedelta(seconds=rng.randint(60, 900))
            tasks[7] = tasks[6] + timedelta(seconds=rng.randint(60, 900))
        no_rawat = f"{day:%Y/%m/%d}/{no:06d}"
        visits.append(PlannedVisit(
            no=no, kind=kind, no_rawat=no_rawat,
            kodebooking=no_rawat if kind == "onsite" else f"{day:%Y%m%d}{no:06d}",
            no_rkm_medis=f"{FIRST_RM + no:06d}", kd_dokter=kd_dokter, kd_poli=kd_poli,
            no_reg=(no - 1) // len(DOCTORS) + 1, tasks=tasks, peresepan=peresepan,
        ))
    return visits


# --- SQL -------------------------------------------------------------------------------------
# Every VALUES tuple is placeholders only: that is what lets PyMySQL's executemany send one
# multi-row INSERT per ~1 MB instead of one statement per row. Columns that are the same for
# every generated row are appended from ``constants``.


@dataclass(frozen=True)
class _Table:
    name: str
    columns: tuple[str, ...]
    constants: dict[str, Any] = field(default_factory=dict)
    keep_existing: bool = False  # shared rows (patients, schedules) may exist already

    @property
    def sql(self) -> str:
        names = self.columns + tuple(self.constants)
        marks = ", ".join(["%s"] * len(names))
        # Table and column names are this module's constants, never input.
        sql = f"INSERT INTO {self.name} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608
        if self.keep_existing:  # no warning per duplicate, unlike INSERT IGNORE
            sql += f" ON DUPLICATE KEY UPDATE {names[0]} = {names[0]}"
        return sql

    def values(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        return row + tuple(self.constants.values())


_JADWAL = _Table("jadwal", ("kd_dokter", "hari_kerja", "jam_mulai", "jam_selesai", "kd_poli",
                            "kuota"), keep_existing=True)
_PASIEN = _Table(
    "pasien",
    ("no_rkm_medis", "nm_pasien", "no_ktp", "jk", "tgl_lahir", "tgl_daftar", "no_tlp", "kd_pj",
     "no_peserta"),
    {"tmp_lahir": "KOTA CONTOH", "nm_ibu": "IBU CONTOH", "alamat": "JL. CONTOH",
     "gol_darah": "-", "pekerjaan": "-", "stts_nikah": "MENIKAH", "agama": "ISLAM",
     "umur": "40 Th", "pnd": "SMA", "keluarga": "DIRI SENDIRI",
     "namakeluarga": "KELUARGA CONTOH", "kd_kel": 2, "kd_kec": 2, "kd_kab": 2,
     "pekerjaanpj": "-", "alamatpj": "JL. CONTOH", "kelurahanpj": "KELURAHAN CONTOH",
     "kecamatanpj": "KECAMATAN CONTOH", "kabupatenpj": "KABUPATEN CONTOH",
     "perusahaan_pasien": "-", "suku_bangsa": 1, "bahasa_pasien": 1, "cacat_fisik": 1,
     "email": "-", "nip": "-", "kd_prop": 2, "propinsipj": "PROPINSI CONTOH"},
    keep_existing=True,
)
_REG_PERIKSA = _Table(
    "reg_periksa",
    ("no_reg", "no_rawat", "tgl_registrasi", "jam_reg", "kd_dokter", "no_rkm_medis", "kd_poli",
     "kd_pj"),
    {"p_jawab": "KELUARGA CONTOH", "almt_pj": "JL. CONTOH", "hubunganpj": "DIRI SENDIRI",
     "biaya_reg": 10000, "stts": "Sudah", "stts_daftar": "Lama", "status_lanjut": "Ralan",
     "umurdaftar": 40, "sttsumur": "Th", "status_bayar": "Belum Bayar", "status_poli": "Lama"},
)
_MOBILE_JKN = _Table(
    "referensi_mobilejkn_bpjs",
    ("nobooking", "no_rawat", "nomorkartu", "nik", "nohp", "kodepoli", "norm", "tanggalperiksa",
     "kodedokter", "jampraktek", "jeniskunjungan", "nomorreferensi", "nomorantrean",
     "angkaantrean", "estimasidilayani", "sisakuotajkn", "kuotajkn", "sisakuotanonjkn",
     "kuotanonjkn", "validasi"),
    {"pasienbaru": "0", "status": "Checkin", "statuskirim": "Belum"},
)
_MUTASI_BERKAS = _Table(
    "mutasi_berkas", ("no_rawat", "dikirim", "diterima"),
    {"status": "Sudah Diterima", "kembali": ZERO_DATETIME, "tidakada": ZERO_DATETIME,
     "ranap": ZERO_DATETIME},
)
_PEMERIKSAAN_RALAN = _Table(
    "pemeriksaan_ralan", ("no_rawat", "tgl_perawatan", "jam_rawat", "nip"),
    {"suhu_tubuh": "36.8", "tensi": "120/80", "nadi": "80", "respirasi": "18", "tinggi": "165",
     "berat": "60", "spo2": "98", "gcs": "15", "kesadaran": "Compos Mentis",
     "keluhan": "Keluhan contoh", "pemeriksaan": "Pemeriksaan contoh", "alergi": "-",
     "lingkar_perut": "-", "rtl": "Kontrol", "penilaian": "Penilaian contoh",
     "instruksi": "Instruksi contoh", "evaluasi": "-"},
)
_RESEP_OBAT = _Table(
    "resep_obat",
    ("no_resep", "tgl_perawatan", "jam", "no_rawat", "kd_dokter", "tgl_peresepan",
     "jam_peresepan", "tgl_penyerahan", "jam_penyerahan"),
    {"status": "ralan"},
)
_TABLES = (_JADWAL, _PASIEN, _REG_PERIKSA, _MOBILE_JKN, _MUTASI_BERKAS, _PEMERIKSAAN_RALAN,
           _RESEP_OBAT)


def _doctor(kd_dokter: str) -> tuple[str, str, str, time, time, int]:
    return next(d for d in DOCTORS if d[0] == kd_dokter)


def _rows(day: date, visits: Sequence[PlannedVisit]) -> dict[str, list[tuple[Any, ...]]]:
    hari = HARI[day.weekday()]
    rows: dict[str, list[tuple[Any, ...]]] = {table.name: [] for table in _TABLES}
    rows["jadwal"] = [(kd_dokter, hari, start, end, poli, kuota)
                      for kd_dokter, poli, _, start, end, kuota in DOCTORS]
    for v in visits:
        _, poli, kodedokter, start, end, kuota = _doctor(v.kd_dokter)
        nik, kartu = f"000{v.no:013d}", f"000{v.no:010d}"
        jkn = v.kind == "mobile_jkn"
        rows["pasien"].append((
            v.no_rkm_medis, f"PASIEN CONTOH {v.no}", nik, "LP"[v.no % 2],
            date(1960 + v.no % 50, 1 + v.no % 12, 1 + v.no % 28), day - timedelta(days=30),
            f"0800{v.no:08d}", "BPJ" if jkn else "A09", kartu if jkn else "",
        ))
        t3 = v.tasks[3]
        registered = t3 - timedelta(minutes=10)
        rows["reg_periksa"].append((
            f"{v.no_reg:03d}", v.no_rawat, day, registered.time(), v.kd_dokter, v.no_rkm_medis,
            v.kd_poli, "BPJ" if jkn else "A09",
        ))
        if jkn:
            estimasi = datetime.combine(day, start) + v.no_reg * timedelta(minutes=5)
            rows["referensi_mobilejkn_bpjs"].append((
                v.kodebooking, v.no_rawat, kartu, nik, f"0800{v.no:08d}", poli, v.no_rkm_medis,
                day, kodedokter, f"{start:%H:%M}-{end:%H:%M}",
                "1 (Rujukan FKTP)" if v.no % 3 else "3 (Kontrol)",
                f"0000R001{day:%m%y}K{v.no:06d}", f"{poli}-{v.no_reg:03d}", str(v.no_reg),
                str(epoch_ms(estimasi)), max(kuota - v.no_reg, 0), kuota,
                max(kuota - v.no_reg, 0), kuota, registered,
            ))
        rows["mutasi_berkas"].append((v.no_rawat, t3, v.tasks[4]))
        t5 = v.tasks[5]
        rows["pemeriksaan_ralan"].append((v.no_rawat, t5.date(), t5.time(), v.kd_dokter))
        if v.peresepan is not None:
            t6, t7 = v.tasks[6], v.tasks[7]
            rows["resep_obat"].append((
                f"{day:%Y%m%d}{v.no:06d}", t6.date(), t6.time(), v.no_rawat, v.kd_dokter,
                v.peresepan.date(), v.peresepan.time(), t7.date(), t7.time(),
            ))
    return rows


async def _write(conn: aiomysql.Connection, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    await conn.begin()
    try:
        async with conn.cursor() as cursor:
            for table in _TABLES:
                if rows[table.name]:
                    await cursor.executemany(table.sql, [table.values(r) for r in rows[table.name]])
        await conn.commit()
    except BaseException:
        await conn.rollback()
        raise


async def add_visits(
    conn: aiomysql.Connection, day: date, count: int, *, kind: Kind = "onsite",
    start_no: int = 1, resep_every: int = 0,
) -> list[str]:
    """Insert ``count`` visits on ``day`` (numbers ``start_no``...); returns their kodebookings.

    The patients are created if missing (INSERT IGNORE), so the same numbers on another
    day are the same patients coming back. A visit number already used that day fails
    with the database's duplicate-key error and nothing is written.
    """
    visits = plan_visits(day, count, kind=kind, start_no=start_no, resep_every=resep_every)
    await _write(conn, _rows(day, visits))
    logger.info("added %d %s visits on %s", len(visits), kind, day)
    return [v.kodebooking for v in visits]


async def add_history(
    conn: aiomysql.Connection, last_day: date, days: int, per_day: int, *, resep_every: int = 4,
) -> int:
    """``days`` days of history ending the day before ``last_day``, ``per_day`` visits each
    (half on-site, half Mobile JKN); returns the number of visits written.

    Meant for the producer benchmark (about 1,000,000 rows across the event tables, e.g.
    365 days of 700 visits): its queries must cost the same with or without this history.
    Foreign-key checks are switched off for this session while loading (the rows are
    consistent by construction), which roughly halves the load time.
    """
    async with conn.cursor() as cursor:
        await cursor.execute("SET SESSION foreign_key_checks = 0")
    total = 0
    try:
        half = per_day // 2
        for back in range(days, 0, -1):
            day = last_day - timedelta(days=back)
            onsite = plan_visits(day, half, kind="onsite", resep_every=resep_every)
            mobile = plan_visits(day, per_day - half, kind="mobile_jkn", start_no=half + 1,
                                 resep_every=resep_every)
            await _write(conn, _rows(day, onsite + mobile))
            total += per_day
    finally:
        async with conn.cursor() as cursor:
            await cursor.execute("SET SESSION foreign_key_checks = 1")
    return total
