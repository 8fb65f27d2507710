"""The BPJS poli/doctor/practice-hours triple of a request, resolved to a Khanza ``jadwal``.

Mobile JKN speaks BPJS codes (HFIS poli and doctor) and a ``jampraktek`` such as
``08:00-12:00``; Khanza keeps schedules per its own doctor and poli codes and a
weekday. The three mapping tables are small (one row per doctor or poli), so
they are read without further care; ``jadwal`` is read by its primary key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import aiomysql

from core.khanza.bookings import HARI
from core.khanza.writes.refusal import Refused

__all__ = [
    "DOCTOR_KNOWN", "LOCK_DOCTOR", "POLI_KNOWN", "SCHEDULE", "Schedule", "find_schedule",
    "parse_jampraktek",
]

# The schedule Mobile JKN names: BPJS doctor -> Khanza doctor, BPJS poli -> Khanza poli
# (a BPJS poli may map to several Khanza polis: the one the doctor practises in that
# day wins, as in Khanza's "double poli" lookup), weekday and hours -> jadwal's PK.
SCHEDULE = """SELECT j.kd_dokter, j.kd_poli, j.jam_mulai, j.jam_selesai, j.kuota,
       pl.nm_poli, pl.registrasilama, d.nm_dokter, mp.nm_poli_bpjs, md.nm_dokter_bpjs
FROM maping_dokter_dpjpvclaim md
JOIN jadwal j ON j.kd_dokter = md.kd_dokter
JOIN maping_poli_bpjs mp ON mp.kd_poli_rs = j.kd_poli
JOIN poliklinik pl ON pl.kd_poli = j.kd_poli
JOIN dokter d ON d.kd_dokter = j.kd_dokter
WHERE md.kd_dokter_bpjs = %s AND mp.kd_poli_bpjs = %s AND j.hari_kerja = %s
  AND j.jam_mulai = %s AND j.jam_selesai = %s
LIMIT 1"""

# When no schedule matches: which code was unknown, for the patient's message.
DOCTOR_KNOWN = "SELECT COUNT(*) AS n FROM maping_dokter_dpjpvclaim WHERE kd_dokter_bpjs = %s"
POLI_KNOWN = "SELECT COUNT(*) AS n FROM maping_poli_bpjs WHERE kd_poli_bpjs = %s"

# A booking locks every jadwal row of its doctor (a prefix of the PK: the rows of that
# doctor, and only a gap lock on the next doctor's first row), so bookings of one doctor
# queue here whatever the day. Per schedule was not enough: the doctor-day lock of
# registration.py ends on the doctor's next registration in the kd_dokter index, which is
# another day's (another schedule's) first row, and two adjacent days of one doctor then
# deadlocked (InnoDB rolled back ~1 booking in 4 under load; docs/wsrs.md, Performance).
LOCK_DOCTOR = """SELECT COUNT(*) AS n FROM jadwal WHERE kd_dokter = %s FOR UPDATE"""


@dataclass(frozen=True)
class Schedule:
    kd_dokter: str
    kd_poli: str
    hari: str
    jam_mulai: time
    jam_selesai: time
    kuota: int
    nm_poli: str
    nm_dokter: str
    biaya: float

    def start(self, tanggal: date) -> datetime:
        return datetime.combine(tanggal, self.jam_mulai)


def parse_jampraktek(text: str) -> tuple[time, time]:
    """``HH:MM-HH:MM`` -> (start, end); ValueError when it is not that."""
    start, sep, end = text.strip().partition("-")
    if not sep:
        raise ValueError("jampraktek must be HH:MM-HH:MM")
    first = datetime.strptime(start.strip(), "%H:%M").time()
    last = datetime.strptime(end.strip(), "%H:%M").time()
    if last <= first:
        raise ValueError("jampraktek ends before it starts")
    return first, last


def _clock(value: Any) -> time:
    if isinstance(value, timedelta):
        return (datetime.min + value).time()
    if isinstance(value, time):
        return value
    raise ValueError(f"not a time: {value!r}")


async def find_schedule(
    conn: aiomysql.Connection, kodepoli: str, kodedokter: str, tanggal: date, jampraktek: str
) -> Schedule:
    """The schedule, or ``Refused`` with the message Khanza's web service gives."""
    try:
        start, end = parse_jampraktek(jampraktek)
    except ValueError:
        raise Refused("Jam Praktek tidak ditemukan", reason="jampraktek") from None
    hari = HARI[tanggal.weekday()]
    async with conn.cursor(aiomysql.DictCursor) as cursor:
        await cursor.execute(SCHEDULE, (kodedokter, kodepoli, hari, start, end))
        row = await cursor.fetchone()
    if row is None:
        for sql, code, message in ((POLI_KNOWN, kodepoli, "Poli tidak ditemukan"),
                                   (DOCTOR_KNOWN, kodedokter, "Dokter tidak ditemukan")):
            async with conn.cursor(aiomysql.DictCursor) as cursor:
                await cursor.execute(sql, (code,))
                known = await cursor.fetchone()
            if not known or not known["n"]:
                raise Refused(message, reason=message.split()[0].lower())
        raise Refused("Jadwal dokter tidak ditemukan pada tanggal dan jam praktek tersebut",
                      reason="jadwal")
    if not row["kuota"]:
        raise Refused("Pendaftaran ke Poli ini tidak tersedia", reason="kuota")
    return Schedule(
        kd_dokter=row["kd_dokter"], kd_poli=row["kd_poli"], hari=hari,
        jam_mulai=_clock(row["jam_mulai"]), jam_selesai=_clock(row["jam_selesai"]),
        kuota=int(row["kuota"]), nm_poli=row["nm_poli_bpjs"] or row["nm_poli"] or "",
        nm_dokter=row["nm_dokter_bpjs"] or row["nm_dokter"] or "",
        biaya=float(row["registrasilama"] or 0),
    )
