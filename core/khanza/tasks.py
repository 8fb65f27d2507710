"""Task times (1-7) and the pharmacy queue, read from the rows behind them.

Each named source of ``options.SOURCE_NAMES`` is a fixed column pair of one of
the three event tables below, filtered the way Khanza's sender filters it.
A table is read once per cycle for the whole window (a ``no_rawat`` range on
its primary key or ``no_rawat`` index), and only if a configured source needs
it; ``resep_obat`` is always read because it also drives ``farmasi/add``.

Khanza writes "has not happened yet" as a zero date (``0000-00-00``), a zero
datetime, NULL, or ``00:00:00`` beside a zero date. PyMySQL hands zero dates
back as strings, so ``wallclock`` accepts only real ``date``/``datetime``
values: anything else means no task, never a guessed time (principle 3).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import aiomysql

from core.bpjs.models import FarmasiAdd
from core.khanza.options import TaskSources

__all__ = [
    "CHECKIN_SOURCE",
    "EXTRACTORS",
    "FARMASI_KETERANGAN",
    "MUTASI_BERKAS_IN_RANGE",
    "MUTASI_BERKAS_OF_VISIT",
    "PEMERIKSAAN_RALAN_IN_RANGE",
    "PEMERIKSAAN_RALAN_OF_VISIT",
    "RACIKAN_FOR_RESEP",
    "RACIKAN_TABLE_EXISTS",
    "RESEP_OBAT_IN_RANGE",
    "RESEP_OBAT_OF_VISIT",
    "Events",
    "Resep",
    "Scope",
    "Visit",
    "collect_tasks",
    "collect_unreadable",
    "farmasi_for",
    "fetch_all",
    "first_resep",
    "forget_schema_cache",
    "in_list",
    "is_zero",
    "load_events",
    "load_racikan",
    "unreadable",
    "wallclock",
]

logger = logging.getLogger(__name__)

Row = dict[str, Any]

FARMASI_KETERANGAN = "Resep dibuat secara elektronik di poli"

# --- SQL -------------------------------------------------------------------------------------
# Window variants bound no_rawat by [lo, hi) (see bookings.no_rawat_range); the
# _OF_VISIT variants are the same SELECT for the one visit a job reloads.

# Tasks 3/4 (newer Khanza): medical-record file sent / received. PK no_rawat.
_MUTASI_BERKAS = "SELECT no_rawat, dikirim, diterima FROM mutasi_berkas\n"
MUTASI_BERKAS_IN_RANGE = _MUTASI_BERKAS + "WHERE no_rawat >= %s AND no_rawat < %s"
MUTASI_BERKAS_OF_VISIT = _MUTASI_BERKAS + "WHERE no_rawat = %s"

# SOAP notes. PK (no_rawat, tgl_perawatan, jam_rawat). Whether the author is a
# doctor decides the "dokter"/"petugas" sources: Khanza's petugas and dokter
# are both pegawai, so "not a dokter" is read as staff (the `petugas` table
# itself is not in the checked upstream extraction). dokter joins by its PK.
_PEMERIKSAAN_RALAN = """SELECT pr.no_rawat, pr.tgl_perawatan, pr.jam_rawat,
       d.kd_dokter IS NOT NULL AS by_dokter
FROM pemeriksaan_ralan pr LEFT JOIN dokter d ON d.kd_dokter = pr.nip
"""
PEMERIKSAAN_RALAN_IN_RANGE = _PEMERIKSAAN_RALAN + "WHERE pr.no_rawat >= %s AND pr.no_rawat < %s"
PEMERIKSAAN_RALAN_OF_VISIT = _PEMERIKSAAN_RALAN + "WHERE pr.no_rawat = %s"

# Prescriptions, by the plain KEY no_rawat. status='ralan' is filtered in
# Python: as a WHERE term it could tempt the optimizer onto the `status` index,
# which matches most of the table's history.
_RESEP_OBAT = """SELECT no_resep, no_rawat, status, tgl_peresepan, jam_peresepan,
       tgl_perawatan, jam, tgl_penyerahan, jam_penyerahan
FROM resep_obat
"""
RESEP_OBAT_IN_RANGE = _RESEP_OBAT + "WHERE no_rawat >= %s AND no_rawat < %s"
RESEP_OBAT_OF_VISIT = _RESEP_OBAT + "WHERE no_rawat = %s"

# resep_dokter_racikan is absent from many installs (and from the checked
# upstream extraction): ask once per database whether it exists.
RACIKAN_TABLE_EXISTS = """SELECT COUNT(*) AS n FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s"""

# Which of the chosen prescriptions contain a compounded drug; PK starts with no_resep.
RACIKAN_FOR_RESEP = """SELECT DISTINCT no_resep FROM resep_dokter_racikan
WHERE no_resep IN ({placeholders})"""


def in_list(template: str, count: int) -> str:
    """Expand ``{placeholders}`` into ``count`` parameter markers (never values)."""
    if count < 1:
        raise ValueError("an IN list needs at least one value")
    return template.format(placeholders=", ".join(["%s"] * count))


async def fetch_all(conn: aiomysql.Connection, sql: str, params: Sequence[object]) -> list[Row]:
    async with conn.cursor(aiomysql.DictCursor) as cursor:
        await cursor.execute(sql, tuple(params))
        return list(await cursor.fetchall())


# --- values ----------------------------------------------------------------------------------


def wallclock(day: object, clock: object = None) -> datetime | None:
    """A naive local datetime from a DATETIME, or a DATE plus a TIME; None if not real."""
    if isinstance(day, datetime):
        return day
    if not isinstance(day, date):
        return None  # NULL, or a zero/invalid date that PyMySQL returned as text
    if isinstance(clock, timedelta):
        if not timedelta(0) <= clock < timedelta(days=1):
            return None
        return datetime.combine(day, time()) + clock
    if isinstance(clock, time):
        return datetime.combine(day, clock)
    return None


def unreadable(day: object, clock: object = None) -> str | None:
    """How a present value that is not a real time reads, for a "waiting" reason.

    None when it is a real time, or when nothing is there (NULL).
    """
    if day is None or wallclock(day, clock) is not None:
        return None
    if isinstance(clock, timedelta):
        seconds = int(clock.total_seconds())
        sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
        clock = f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return f"{day}" if clock is None else f"{day} {clock}"


def is_zero(text: str) -> bool:
    """Khanza writes a zero date for "not yet" (a file not sent, a drug not handed over)."""
    return text.startswith("0000-00-00")


@dataclass(frozen=True)
class Scope:
    """The visits one load covers: the ``no_rawat`` range ``[lo, hi)``, or ``lo`` alone."""

    lo: str
    hi: str | None = None

    def pick(self, in_range: str, of_visit: str) -> tuple[str, tuple[str, ...]]:
        if self.hi is None:
            return of_visit, (self.lo,)
        return in_range, (self.lo, self.hi)


@dataclass(frozen=True)
class Visit:
    no_rawat: str | None
    checkin: datetime | None = None  # referensi_mobilejkn_bpjs.validasi
    pasienbaru: bool = False
    visit_day: date | None = None


# The WS RS check-in (checkinantrean): task 1 of a new patient, task 3 of an existing one,
# and only a check-in made on the visit day (BPJS refuses a task time on another day).
CHECKIN_SOURCE = "referensi_mobilejkn_bpjs.checkin"


def _checkin_on_visit_day(visit: Visit, events: Events) -> datetime | None:
    if visit.checkin is None or visit.visit_day is None:
        return None
    return visit.checkin if visit.checkin.date() == visit.visit_day else None


@dataclass(frozen=True)
class Resep:
    no_resep: str
    peresepan: datetime | None
    validasi: datetime | None
    penyerahan: datetime | None


@dataclass
class Events:
    """The window's event rows, by ``no_rawat``; only real times are kept."""

    mutasi: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)
    soap: dict[str, list[tuple[datetime, bool]]] = field(default_factory=dict)
    resep: dict[str, list[Resep]] = field(default_factory=dict)
    # Source values present but not a real time, by no_rawat then source name.
    unreadable: dict[str, dict[str, str]] = field(default_factory=dict)

    def note(self, no_rawat: str, source: str, day: object, clock: object = None) -> None:
        text = unreadable(day, clock)
        if text is not None:
            self.unreadable.setdefault(no_rawat, {}).setdefault(source, text)


async def load_events(
    conn: aiomysql.Connection, scope: Scope, sources: TaskSources, *, mutasi: bool = True
) -> Events:
    """The scope's event rows; ``mutasi=False`` when the caller read mutasi_berkas already
    (a one-visit load joins it into its driving query)."""
    events = Events()
    if mutasi and sources.uses("mutasi_berkas"):
        sql, params = scope.pick(MUTASI_BERKAS_IN_RANGE, MUTASI_BERKAS_OF_VISIT)
        for row in await fetch_all(conn, sql, params):
            events.mutasi[row["no_rawat"]] = (wallclock(row["dikirim"]), wallclock(row["diterima"]))
            events.note(row["no_rawat"], "mutasi_berkas.dikirim", row["dikirim"])
            events.note(row["no_rawat"], "mutasi_berkas.diterima", row["diterima"])
    if sources.uses("pemeriksaan_ralan"):
        sql, params = scope.pick(PEMERIKSAAN_RALAN_IN_RANGE, PEMERIKSAAN_RALAN_OF_VISIT)
        for row in await fetch_all(conn, sql, params):
            when = wallclock(row["tgl_perawatan"], row["jam_rawat"])
            if when is not None:
                events.soap.setdefault(row["no_rawat"], []).append((when, bool(row["by_dokter"])))
            else:
                who = "dokter" if row["by_dokter"] else "petugas"
                for source in ("pemeriksaan_ralan.first", f"pemeriksaan_ralan.{who}"):
                    events.note(row["no_rawat"], source, row["tgl_perawatan"], row["jam_rawat"])
    sql, params = scope.pick(RESEP_OBAT_IN_RANGE, RESEP_OBAT_OF_VISIT)
    for row in await fetch_all(conn, sql, params):
        if row["status"] != "ralan":
            continue
        events.resep.setdefault(row["no_rawat"], []).append(Resep(
            no_resep=row["no_resep"],
            peresepan=wallclock(row["tgl_peresepan"], row["jam_peresepan"]),
            validasi=wallclock(row["tgl_perawatan"], row["jam"]),
            penyerahan=wallclock(row["tgl_penyerahan"], row["jam_penyerahan"]),
        ))
        for source, day, clock in (
            ("peresepan", row["tgl_peresepan"], row["jam_peresepan"]),
            ("validasi", row["tgl_perawatan"], row["jam"]),
            ("penyerahan", row["tgl_penyerahan"], row["jam_penyerahan"]),
        ):
            events.note(row["no_rawat"], f"resep_obat.{source}", day, clock)
    return events


# --- sources ---------------------------------------------------------------------------------

Extractor = Callable[[Visit, Events], datetime | None]


def _earliest(times: Sequence[datetime | None]) -> datetime | None:
    real = [t for t in times if t is not None]
    return min(real) if real else None


def _mutasi(index: int) -> Extractor:
    def extract(visit: Visit, events: Events) -> datetime | None:
        pair = events.mutasi.get(visit.no_rawat or "")
        return None if pair is None else pair[index]
    return extract


def _soap(by_dokter: bool | None) -> Extractor:
    def extract(visit: Visit, events: Events) -> datetime | None:
        notes = events.soap.get(visit.no_rawat or "", [])
        return _earliest([t for t, dokter in notes if by_dokter is None or dokter == by_dokter])
    return extract


def _resep(attribute: str) -> Extractor:
    def extract(visit: Visit, events: Events) -> datetime | None:
        rows = events.resep.get(visit.no_rawat or "", [])
        return _earliest([getattr(r, attribute) for r in rows])
    return extract


# "First" means the earliest real time among the qualifying rows, so a second
# prescription or SOAP note written later never moves a task.
EXTRACTORS: Mapping[str, Extractor] = {
    "none": lambda visit, events: None,
    "mutasi_berkas.dikirim": _mutasi(0),
    "mutasi_berkas.diterima": _mutasi(1),
    "pemeriksaan_ralan.first": _soap(None),
    "pemeriksaan_ralan.petugas": _soap(False),
    "pemeriksaan_ralan.dokter": _soap(True),
    "resep_obat.peresepan": _resep("peresepan"),
    "resep_obat.validasi": _resep("validasi"),
    "resep_obat.penyerahan": _resep("penyerahan"),
    "referensi_mobilejkn_bpjs.validasi": lambda visit, events: visit.checkin,
    CHECKIN_SOURCE: _checkin_on_visit_day,
}


def _applies(name: str, taskid: int, visit: Visit) -> bool:
    """The check-in counts only for task 1 of a new patient / task 3 of an existing one."""
    return name != CHECKIN_SOURCE or taskid == (1 if visit.pasienbaru else 3)


def collect_unreadable(visit: Visit, events: Events, sources: TaskSources,
                       tasks: Mapping[int, datetime]) -> dict[int, str]:
    """For each task without a time: what its alternatives hold that is not a time,
    each named (``mutasi_berkas.dikirim is '0000-00-00 00:00:00'``)."""
    found = events.unreadable.get(visit.no_rawat or "", {})
    held: dict[int, str] = {}
    for taskid, names in sources.chains():
        if taskid in tasks:
            continue
        parts = [f"{name} is '{found[name]}'" for name in names
                 if name in found and _applies(name, taskid, visit)]
        if parts:
            held[taskid] = "; ".join(parts)
    return held


def collect_tasks(visit: Visit, events: Events, sources: TaskSources) -> dict[int, datetime]:
    """Each task's time from the first alternative of its chain that has a real time.

    A check-in that does not apply (wrong task for the patient, another day) or is absent
    passes to the next alternative; nothing is invented when none has a time.
    """
    tasks: dict[int, datetime] = {}
    for taskid, names in sources.chains():
        for name in names:
            if not _applies(name, taskid, visit):
                continue
            when = EXTRACTORS[name](visit, events)
            if when is not None:
                tasks[taskid] = when
                break
    return tasks


# --- pharmacy --------------------------------------------------------------------------------

_racikan_tables: dict[str, bool] = {}


def forget_schema_cache() -> None:
    """Forget which databases have resep_dokter_racikan (tests create it on the fly)."""
    _racikan_tables.clear()


async def load_racikan(conn: aiomysql.Connection, no_resep: Sequence[str]) -> set[str]:
    """Which of ``no_resep`` contain a compounded drug (empty if the table is absent)."""
    database = f"{getattr(conn, 'host', '')}:{getattr(conn, 'port', '')}/{getattr(conn, 'db', '')}"
    if database not in _racikan_tables:
        rows = await fetch_all(conn, RACIKAN_TABLE_EXISTS, ("resep_dokter_racikan",))
        _racikan_tables[database] = bool(rows and rows[0]["n"])
        logger.info("resep_dokter_racikan %s", "found" if _racikan_tables[database] else "absent")
    if not _racikan_tables[database] or not no_resep:
        return set()
    unique = sorted(set(no_resep))
    rows = await fetch_all(conn, in_list(RACIKAN_FOR_RESEP, len(unique)), unique)
    return {row["no_resep"] for row in rows}


def first_resep(visit: Visit, events: Events) -> Resep | None:
    """The visit's outpatient prescription Khanza would queue (lowest no_resep)."""
    rows = events.resep.get(visit.no_rawat or "", [])
    return min(rows, key=lambda r: r.no_resep) if rows else None


def farmasi_for(kodebooking: str, resep: Resep, racikan: bool) -> FarmasiAdd | None:
    """The ``antrean/farmasi/add`` body, as Khanza's newer sender builds it."""
    suffix = resep.no_resep[-4:]
    if not suffix.isdigit():
        logger.warning("no_resep %r does not end in 4 digits; no farmasi/add", resep.no_resep)
        return None
    return FarmasiAdd(
        kodebooking=kodebooking,
        jenisresep="Racikan" if racikan else "Non Racikan",
        nomorantrean=int(suffix),
        keterangan=FARMASI_KETERANGAN,
    )
