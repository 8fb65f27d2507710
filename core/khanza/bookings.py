"""BookingSnapshots for a window of days, or for one booking, read cheaply from Khanza.

Two kinds of visit, as in Khanza's own sender (reference bpjs-antrean.md §6):

* Mobile JKN bookings, driven from ``referensi_mobilejkn_bpjs`` — not from
  ``reg_periksa``, because Khanza's cancel flow may delete the registration.
  The window is a range on its UNIQUE ``no_rawat`` key (Khanza's WS RS numbers
  the registration with the service date). kodebooking = ``nobooking``.
* On-site registrations: ``reg_periksa`` rows of the window without a booking
  row; kodebooking = ``no_rawat``. Their ``antrean/add`` is rebuilt the way the
  newer Khanza sender does it; a BPJS (JKN) on-site visit's body is built from
  its SEP (``core/khanza/sep.py``: jeniskunjungan and nomorreferensi), so a
  walk-in BPJS patient no longer waits for Khanza's SEP form to send it. No SEP
  yet: no body, and the visit waits with that reason. If the SEP form did send
  it, BPJS answers 208, which counts as done.

``load_window`` and ``load_booking`` run the same builder; only the driving
queries differ (a ``no_rawat`` range versus one key). Every query reads the
active window through a key (principle 6); see ``queries.py`` and its tests.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import aiomysql
from pydantic import ValidationError

from core.bpjs.models import AntreanAdd
from core.khanza.options import KhanzaOptions
from core.khanza.sep import SEP_IN_RANGE, SEP_OF_VISIT, Sep, pick_seps
from core.khanza.snapshot import BookingSnapshot, Cancellation, epoch_ms
from core.khanza.tasks import (
    Scope,
    Visit,
    collect_tasks,
    collect_unreadable,
    farmasi_for,
    fetch_all,
    first_resep,
    in_list,
    load_events,
    load_racikan,
    wallclock,
)

__all__ = [
    "HARI",
    "JADWAL_OF_DOCTORS",
    "KETERANGAN_ADD",
    "KETERANGAN_BATAL_SIMRS",
    "MOBILE_JKN_IN_RANGE",
    "MOBILE_JKN_OF_BOOKING",
    "ONSITE_IN_RANGE",
    "ONSITE_OF_VISIT",
    "load_booking",
    "load_window",
    "no_rawat_range",
]

logger = logging.getLogger(__name__)

Row = dict[str, Any]

HARI = ("SENIN", "SELASA", "RABU", "KAMIS", "JUMAT", "SABTU", "AKHAD")  # date.weekday() order
KETERANGAN_ADD = "Peserta harap 30 menit lebih awal guna pencatatan administrasi."
KETERANGAN_BATAL_SIMRS = "Dibatalkan di SIMRS"
ESTIMASI_STEP = timedelta(minutes=5)  # newer Khanza: jam_mulai + no_reg x 5 min

# --- SQL -------------------------------------------------------------------------------------

# Mobile JKN bookings with their registration (if it still exists), the BPJS
# poli name (UNIQUE kd_poli_bpjs = the booked BPJS code), the BPJS doctor name
# (PK kd_dokter of the registration) and the cancellation row (PK nobooking).
_MOBILE_JKN = """SELECT r.nobooking, r.no_rawat, r.nomorkartu, r.nik, r.nohp, r.kodepoli,
       r.pasienbaru, r.norm, r.tanggalperiksa, r.kodedokter, r.jampraktek, r.jeniskunjungan,
       r.nomorreferensi, r.nomorantrean, r.angkaantrean, r.estimasidilayani, r.sisakuotajkn,
       r.kuotajkn, r.sisakuotanonjkn, r.kuotanonjkn, r.status, r.validasi, r.statuskirim,
       rp.no_rawat AS rp_no_rawat, rp.stts, mp.nm_poli_bpjs, md.nm_dokter_bpjs,
       b.nobooking AS batal_nobooking, b.tanggalbatal, b.keterangan AS batal_keterangan,
       b.statuskirim AS batal_statuskirim
"""
_MOBILE_JKN_FROM = """FROM referensi_mobilejkn_bpjs r
LEFT JOIN reg_periksa rp ON rp.no_rawat = r.no_rawat
LEFT JOIN maping_poli_bpjs mp ON mp.kd_poli_bpjs = r.kodepoli
LEFT JOIN maping_dokter_dpjpvclaim md ON md.kd_dokter = rp.kd_dokter
LEFT JOIN referensi_mobilejkn_bpjs_batal b ON b.nobooking = r.nobooking
"""

# A job reloads one visit per run, so its variants also bring that visit's file
# movement (mutasi_berkas, PK no_rawat) and Khanza's sent task ids (PK starts with
# no_rawat): two round trips fewer than the window's separate range queries.
_OF_VISIT_COLUMNS = """     , m.no_rawat AS m_no_rawat, m.dikirim AS m_dikirim,
       m.diterima AS m_diterima,
       (SELECT GROUP_CONCAT(t.taskid) FROM referensi_mobilejkn_bpjs_taskid t
        WHERE t.no_rawat = {key}) AS sent_taskids
"""
_MUTASI_OF_VISIT = "LEFT JOIN mutasi_berkas m ON m.no_rawat = {key}\n"

MOBILE_JKN_IN_RANGE = _MOBILE_JKN + _MOBILE_JKN_FROM + "WHERE r.no_rawat >= %s AND r.no_rawat < %s"
MOBILE_JKN_OF_BOOKING = (
    _MOBILE_JKN + _OF_VISIT_COLUMNS.format(key="r.no_rawat") + _MOBILE_JKN_FROM
    + _MUTASI_OF_VISIT.format(key="r.no_rawat") + "WHERE r.nobooking = %s"
)

# On-site registrations: reg_periksa by its PK range, minus those with a booking
# row (UNIQUE no_rawat, so the anti-join is one index probe each), with the
# patient (PK) and the BPJS mappings of the registration's poli and doctor (PKs).
_ONSITE = """SELECT rp.no_rawat, rp.no_reg, rp.tgl_registrasi, rp.jam_reg, rp.kd_dokter,
       rp.no_rkm_medis, rp.kd_poli, rp.kd_pj, rp.stts,
       p.no_peserta, p.no_ktp, p.no_tlp,
       mp.kd_poli_bpjs, mp.nm_poli_bpjs, md.kd_dokter_bpjs, md.nm_dokter_bpjs
"""
_ONSITE_FROM = """FROM reg_periksa rp
LEFT JOIN referensi_mobilejkn_bpjs r ON r.no_rawat = rp.no_rawat
LEFT JOIN pasien p ON p.no_rkm_medis = rp.no_rkm_medis
LEFT JOIN maping_poli_bpjs mp ON mp.kd_poli_rs = rp.kd_poli
LEFT JOIN maping_dokter_dpjpvclaim md ON md.kd_dokter = rp.kd_dokter
"""
ONSITE_IN_RANGE = (
    _ONSITE + _ONSITE_FROM
    + "WHERE rp.no_rawat >= %s AND rp.no_rawat < %s AND r.nobooking IS NULL"
)
ONSITE_OF_VISIT = (
    _ONSITE + _OF_VISIT_COLUMNS.format(key="rp.no_rawat") + _ONSITE_FROM
    + _MUTASI_OF_VISIT.format(key="rp.no_rawat")
    + "WHERE rp.no_rawat = %s AND r.nobooking IS NULL"
)

# Khanza's own "already sent" ledger of task ids (PK no_rawat, taskid): rows its
# sender wrote are trusted as acknowledged, so switching senders resends no history.
TASKID_SENT_IN_RANGE = """SELECT no_rawat, taskid FROM referensi_mobilejkn_bpjs_taskid
WHERE no_rawat >= %s AND no_rawat < %s"""
TASKID_SENT_OF_VISIT = """SELECT no_rawat, taskid FROM referensi_mobilejkn_bpjs_taskid
WHERE no_rawat = %s"""

# The schedules of the on-site visits' doctors (PK starts with kd_dokter); the
# weekday and poli are matched in Python, since a window spans several days.
JADWAL_OF_DOCTORS = """SELECT kd_dokter, hari_kerja, jam_mulai, jam_selesai, kd_poli, kuota
FROM jadwal WHERE kd_dokter IN ({placeholders})"""


def no_rawat_range(start: date, end: date) -> tuple[str, str]:
    """``[lo, hi)`` of the no_rawat of days ``start..end``: next day's prefix bounds it,
    computed with date arithmetic so month and year ends are right."""
    if end < start:
        raise ValueError(f"window ends ({end}) before it starts ({start})")
    return f"{start:%Y/%m/%d}/", f"{end + timedelta(days=1):%Y/%m/%d}/"


def _date_of(no_rawat: str) -> date:
    return datetime.strptime(no_rawat[:10], "%Y/%m/%d").date()


# --- public API ------------------------------------------------------------------------------


async def load_window(
    conn: aiomysql.Connection, start: date, end: date, options: KhanzaOptions
) -> list[BookingSnapshot]:
    """Every visit registered or booked for ``start..end`` (inclusive), by no_rawat."""
    lo, hi = no_rawat_range(start, end)
    mobile = await fetch_all(conn, MOBILE_JKN_IN_RANGE, (lo, hi))
    onsite = await fetch_all(conn, ONSITE_IN_RANGE, (lo, hi))
    return await _build(conn, Scope(lo, hi), mobile, onsite, options)


async def load_booking(
    conn: aiomysql.Connection, kodebooking: str, options: KhanzaOptions
) -> BookingSnapshot | None:
    """One visit by kodebooking: a Mobile JKN ``nobooking``, or an on-site ``no_rawat``."""
    if "/" in kodebooking:
        mobile, onsite = [], await fetch_all(conn, ONSITE_OF_VISIT, (kodebooking,))
    else:
        mobile, onsite = await fetch_all(conn, MOBILE_JKN_OF_BOOKING, (kodebooking,)), []
    rows = mobile or onsite
    if not rows:
        return None
    no_rawat = rows[0]["no_rawat"]
    if not no_rawat:
        # The window cannot see a booking without a registration number either.
        logger.warning("booking without no_rawat in referensi_mobilejkn_bpjs; skipped")
        return None
    snapshots = await _build(conn, Scope(no_rawat), mobile, onsite, options, rows[0])
    return snapshots[0]


# --- assembly --------------------------------------------------------------------------------


async def _build(
    conn: aiomysql.Connection, scope: Scope, mobile: Sequence[Row],
    onsite: Sequence[Row], options: KhanzaOptions, one: Row | None = None,
) -> list[BookingSnapshot]:
    """Snapshots of the driving rows; ``one`` is the single row of an ``_OF_VISIT`` query,
    which already holds the visit's mutasi_berkas row and sent task ids."""
    sources = options.task_sources
    events = await load_events(conn, scope, sources, mutasi=one is None)
    sent_tasks: dict[str, set[str]] = {}
    if one is None:
        sql, params = scope.pick(TASKID_SENT_IN_RANGE, TASKID_SENT_OF_VISIT)
        for sent in await fetch_all(conn, sql, params):
            sent_tasks.setdefault(sent["no_rawat"], set()).add(f"task{sent['taskid']}")
    else:
        if sources.uses("mutasi_berkas") and one["m_no_rawat"] is not None:
            events.mutasi[one["m_no_rawat"]] = (wallclock(one["m_dikirim"]),
                                                wallclock(one["m_diterima"]))
            events.note(one["m_no_rawat"], "mutasi_berkas.dikirim", one["m_dikirim"])
            events.note(one["m_no_rawat"], "mutasi_berkas.diterima", one["m_diterima"])
        if one["sent_taskids"]:
            taskids = str(one["sent_taskids"]).split(",")
            sent_tasks[one["no_rawat"]] = {f"task{taskid}" for taskid in taskids}
    jadwal = await _load_jadwal(conn, onsite)
    seps = await _load_seps(conn, scope, onsite, options)
    visits = [(row, Visit(row["no_rawat"], _checkin(row), pasienbaru=row["pasienbaru"] == "1",
                          visit_day=row["tanggalperiksa"])) for row in mobile]
    visits += [(row, Visit(row["no_rawat"])) for row in onsite]
    chosen = {v.no_rawat: r for _, v in visits if (r := first_resep(v, events)) is not None}
    racikan = await load_racikan(conn, [r.no_resep for r in chosen.values()])

    snapshots: list[BookingSnapshot] = []
    for row, visit in visits:
        is_mobile = "nobooking" in row
        kodebooking = row["nobooking"] if is_mobile else row["no_rawat"]
        resep = chosen.get(visit.no_rawat)
        farmasi = None if resep is None else farmasi_for(
            kodebooking, resep, resep.no_resep in racikan
        )
        add, problem = _mobile_add(row) if is_mobile else _onsite_add(
            row, jadwal, options, seps.get(row["no_rawat"]))
        tanggal = row["tanggalperiksa"] if is_mobile else row["tgl_registrasi"]
        tasks = collect_tasks(visit, events, options.task_sources)
        snapshots.append(BookingSnapshot(
            kodebooking=kodebooking,
            no_rawat=row["no_rawat"],
            tanggal=tanggal if isinstance(tanggal, date) else _date_of(row["no_rawat"]),
            source="mobile_jkn" if is_mobile else "onsite",
            pasienbaru=is_mobile and row["pasienbaru"] == "1",
            add=add,
            problem=problem,
            tasks=tasks,
            unreadable=collect_unreadable(visit, events, options.task_sources, tasks),
            jenisresep=None if farmasi is None else farmasi.jenisresep,
            farmasi=farmasi,
            batal=_cancellation(row),
            recorded=frozenset(
                _recorded(row, is_mobile, options) | sent_tasks.get(visit.no_rawat or "", set())
            ),
        ))
    snapshots.sort(key=lambda s: (s.no_rawat, s.kodebooking))
    return snapshots


async def _load_seps(
    conn: aiomysql.Connection, scope: Scope, onsite: Sequence[Row], options: KhanzaOptions
) -> dict[str, Sep]:
    """The SEPs of the on-site JKN visits (none read when there is no such visit)."""
    if not any(row["kd_pj"] in options.bpjs_payers for row in onsite):
        return {}
    sql, params = scope.pick(SEP_IN_RANGE, SEP_OF_VISIT)
    return pick_seps(await fetch_all(conn, sql, params))


async def _load_jadwal(conn: aiomysql.Connection, onsite: Sequence[Row]) -> list[Row]:
    doctors = sorted({row["kd_dokter"] for row in onsite if row["kd_dokter"]})
    if not doctors:
        return []
    return await fetch_all(conn, in_list(JADWAL_OF_DOCTORS, len(doctors)), doctors)


def _checkin(row: Row) -> datetime | None:
    """``validasi`` is the check-in time only while the booking is 'Checkin': Khanza's
    WS RS also stamps it when the patient cancels."""
    return wallclock(row["validasi"]) if row["status"] == "Checkin" else None


def _recorded(row: Row, is_mobile: bool, options: KhanzaOptions) -> set[str]:
    """Steps Khanza's tables say were sent. An on-site JKN visit's antrean/add is sent here
    (from its SEP): if Khanza's SEP form sent it too, BPJS's 208 counts as done."""
    del options
    done = set()
    if is_mobile and row.get("statuskirim") == "Sudah":
        done.add("add")
    if is_mobile and row.get("batal_statuskirim") == "Sudah":
        done.add("batal")
    return done


def _cancellation(row: Row) -> Cancellation | None:
    """A batal row wins (it has the patient's reason and time); otherwise a status of
    'Batal' means cancelled in Khanza, at a time nobody recorded."""
    if row.get("batal_nobooking"):
        return Cancellation(row["batal_keterangan"] or "-", wallclock(row["tanggalbatal"]))
    if row.get("stts") == "Batal" or row.get("status") == "Batal":
        return Cancellation(KETERANGAN_BATAL_SIMRS, None)
    return None


def _kodedokter(code: str) -> int | str:
    return int(code) if code.isdigit() else code


def _body(fields: dict[str, Any]) -> tuple[AntreanAdd | None, str | None]:
    try:
        return AntreanAdd(**fields), None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return None, f"antrean/add body invalid: {where}: {first['msg']}"


def _mobile_add(row: Row) -> tuple[AntreanAdd | None, str | None]:
    """The body from the booking row as Khanza's WS RS stored it (text numbers parsed)."""
    missing = []
    if row["nm_poli_bpjs"] is None:
        missing.append(f"BPJS poli {row['kodepoli']} has no maping_poli_bpjs row")
    if row["rp_no_rawat"] is None:
        missing.append(f"registration {row['no_rawat']} is not in reg_periksa (doctor unknown)")
    elif row["nm_dokter_bpjs"] is None:
        missing.append(f"the doctor of {row['no_rawat']} has no maping_dokter_dpjpvclaim row")
    if not row["kodedokter"]:
        missing.append("booking has no kodedokter")
    if not isinstance(row["tanggalperiksa"], date):
        # A zero date reads back as text that looks like a date: never send it.
        missing.append(f"booking tanggalperiksa {row['tanggalperiksa']!r} is not a real date")
    numbers = {}
    for name in ("angkaantrean", "estimasidilayani"):
        text = str(row[name] or "").strip()
        if not text.isdigit():
            missing.append(f"booking {name} {text!r} is not a number")
        numbers[name] = int(text) if text.isdigit() else 0
    jenis = str(row["jeniskunjungan"] or "")[:1]
    if not jenis:
        missing.append("booking has no jeniskunjungan")
    if missing:
        return None, "; ".join(missing)
    return _body({
        "kodebooking": row["nobooking"], "jenispasien": "JKN",
        "nomorkartu": row["nomorkartu"] or "", "nik": row["nik"] or "",
        "nohp": row["nohp"] or "", "kodepoli": row["kodepoli"] or "",
        "namapoli": row["nm_poli_bpjs"], "pasienbaru": int(row["pasienbaru"]),
        "norm": row["norm"] or "", "tanggalperiksa": str(row["tanggalperiksa"]),
        "kodedokter": _kodedokter(str(row["kodedokter"] or "")),
        "namadokter": row["nm_dokter_bpjs"], "jampraktek": row["jampraktek"] or "",
        "jeniskunjungan": int(jenis), "nomorreferensi": row["nomorreferensi"],
        "nomorantrean": row["nomorantrean"], **numbers,
        "sisakuotajkn": row["sisakuotajkn"], "kuotajkn": row["kuotajkn"],
        "sisakuotanonjkn": row["sisakuotanonjkn"], "kuotanonjkn": row["kuotanonjkn"],
        "keterangan": KETERANGAN_ADD,
    })


def _session(row: Row, jadwal: Sequence[Row], hari: str) -> Row | None:
    """The doctor's session that day in that poli; with several (morning, afternoon), the
    first one not yet over at registration time, else the last."""
    sessions = sorted(
        (j for j in jadwal if j["kd_dokter"] == row["kd_dokter"] and j["hari_kerja"] == hari
         and j["kd_poli"] == row["kd_poli"]),
        key=lambda j: j["jam_mulai"],
    )
    jam_reg = row["jam_reg"]
    for session in sessions:
        if jam_reg is None or session["jam_selesai"] is None or session["jam_selesai"] >= jam_reg:
            return session
    return sessions[-1] if sessions else None


def _hhmm(value: object) -> str:
    moment = wallclock(date(2000, 1, 1), value)
    return "" if moment is None else f"{moment:%H:%M}"


def _onsite_add(
    row: Row, jadwal: Sequence[Row], options: KhanzaOptions, sep: Sep | None = None,
) -> tuple[AntreanAdd | None, str | None]:
    jkn = row["kd_pj"] in options.bpjs_payers
    tanggal = row["tgl_registrasi"] if isinstance(row["tgl_registrasi"], date) else None
    tanggal = tanggal or _date_of(row["no_rawat"])
    hari = HARI[tanggal.weekday()]
    missing = []
    if jkn and sep is None:
        missing.append("on-site JKN visit has no SEP yet (bridging_sep): waiting for it"
                       " (jeniskunjungan and nomorreferensi come from the SEP)")
    elif jkn and sep is not None and sep.problem:
        missing.append(sep.problem)
    if row["kd_poli_bpjs"] is None:
        missing.append(f"poli {row['kd_poli']} has no maping_poli_bpjs row")
    if not row["kd_dokter_bpjs"]:
        missing.append(f"doctor {row['kd_dokter']} has no maping_dokter_dpjpvclaim row")
    session = _session(row, jadwal, hari)
    if session is None:
        missing.append(
            f"doctor {row['kd_dokter']} has no jadwal on {hari} in poli {row['kd_poli']}"
        )
    elif session["jam_selesai"] is None or session["kuota"] is None:
        missing.append(f"jadwal of doctor {row['kd_dokter']} on {hari} lacks jam_selesai or kuota")
    no_reg = str(row["no_reg"] or "").strip()
    if row["no_reg"] is None:
        missing.append(f"registration {row['no_rawat']} has no no_reg (NULL)")
    elif not no_reg.isdigit():
        missing.append(f"no_reg {no_reg!r} is not a number")
    if missing or session is None:
        return None, "; ".join(missing)
    start = wallclock(tanggal, session["jam_mulai"]) or datetime.combine(tanggal, time())
    sisa = max(session["kuota"] - int(no_reg), 0)
    patient: dict[str, Any] = {
        "jenispasien": "NON JKN", "nomorkartu": "-", "nik": "-", "nohp": "-",
        "jeniskunjungan": 3, "nomorreferensi": "-",
    }
    if jkn and sep is not None and sep.jeniskunjungan is not None:
        patient = {
            "jenispasien": "JKN", "nomorkartu": sep.no_kartu or (row["no_peserta"] or ""),
            "nik": row["no_ktp"] or "", "nohp": row["no_tlp"] or sep.notelep or "",
            "jeniskunjungan": sep.jeniskunjungan, "nomorreferensi": sep.nomorreferensi,
        }
    return _body({
        "kodebooking": row["no_rawat"], **patient,
        "kodepoli": row["kd_poli_bpjs"], "namapoli": row["nm_poli_bpjs"],
        "pasienbaru": 0,  # as Khanza sends it: tasks 1-2 are never sent
        "norm": row["no_rkm_medis"] or "", "tanggalperiksa": tanggal.isoformat(),
        "kodedokter": _kodedokter(row["kd_dokter_bpjs"]), "namadokter": row["nm_dokter_bpjs"] or "",
        "jampraktek": f"{_hhmm(session['jam_mulai'])}-{_hhmm(session['jam_selesai'])}",
        "nomorantrean": no_reg, "angkaantrean": int(no_reg),
        "estimasidilayani": epoch_ms(start + int(no_reg) * ESTIMASI_STEP, options.zone),
        "sisakuotajkn": sisa, "kuotajkn": session["kuota"],
        "sisakuotanonjkn": sisa, "kuotanonjkn": session["kuota"],
        "keterangan": KETERANGAN_ADD,
    })
