"""One round of Mobile JKN's day through the WS RS, as BPJS drives it for participants.

The demo plays a round every few minutes (``sandbox.demo_bookings``) so every WS RS
endpoint shows on the dashboard and each kind of Mobile JKN event flows on to BPJS:

* a participant the hospital does not know: 202, ``pasienbaru``, booked again, and
  checked in today (task 1 when the hospital has a task 1 source);
* returning patients booked for *today* and checked in with the real "now" as
  ``waktu`` (the pipeline sends task 3 with exactly that time);
* a booking for today cancelled (``antrean/batal`` + task 99) and one for tomorrow
  cancelled the day before (``antrean/batal`` alone);
* the queue, the remaining queue, the pharmacy pair and the surgery pair asked once.

The WS RS accepts a check-in only before the practice starts and a booking only until
it ends, so today's visits go to a practice still ahead: one starting at the next
whole hour (at least ``LEAD`` away) and ending 23:59, added to ``jadwal`` like any
doctor's schedule. Times are never shifted: when no practice can start later today
(from 23:00 on), the steps that need one are skipped with a line saying why.
Patient identifiers are masked in every log line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import aiomysql

from core import db
from core.khanza.bookings import HARI
from core.masking import mask
from core.settings import DatabaseUrl
from sandbox.mobile_jkn import MobileJkn, Patient, WsrsAnswer

__all__ = ["LEAD", "Practice", "Round", "play_round", "prepare_practices"]

logger = logging.getLogger(__name__)

LEAD = timedelta(minutes=5)  # a check-in needs the practice still ahead when it arrives
# (Khanza poli, Khanza doctor, BPJS doctor) of the demo's two doctors.
DOCTORS = (("INT", "D001", "99901"), ("ANA", "D002", "99902"))

# A practice for a weekday; an existing row with that start (the fixture's, an earlier
# round's) is kept as it is, without the warning INSERT IGNORE would print.
ADD_PRACTICE = """INSERT INTO jadwal (kd_dokter, hari_kerja, jam_mulai, jam_selesai,
    kd_poli, kuota) VALUES (%s, %s, %s, %s, %s, 999)
ON DUPLICATE KEY UPDATE kd_dokter = kd_dokter"""
# The practice as the table holds it (PK), so the booking names its real hours.
PRACTICE_HOURS = """SELECT jam_mulai, jam_selesai FROM jadwal
WHERE kd_dokter = %s AND hari_kerja = %s AND jam_mulai = %s"""
# Returning participants: a BPJS card and NIK, an earlier visit, the first record with
# that card (the WS RS finds patients by card), not registered with the doctor that day.
RETURNING = """SELECT p.no_rkm_medis, p.no_peserta, p.no_ktp, p.nm_pasien FROM pasien p
WHERE p.no_peserta REGEXP '^[0-9]{13}$' AND p.no_ktp REGEXP '^[0-9]{16}$'
  AND p.no_rkm_medis = (SELECT MIN(q.no_rkm_medis) FROM pasien q
                        WHERE q.no_peserta = p.no_peserta)
  AND EXISTS (SELECT 1 FROM reg_periksa r WHERE r.no_rkm_medis = p.no_rkm_medis)
  AND NOT EXISTS (SELECT 1 FROM reg_periksa r WHERE r.no_rkm_medis = p.no_rkm_medis
                  AND r.tgl_registrasi = %s AND r.kd_dokter = %s AND r.stts <> 'Batal')
ORDER BY p.no_rkm_medis LIMIT %s"""


@dataclass(frozen=True)
class Practice:
    """A doctor's practice on one day, in BPJS codes (what Mobile JKN books)."""

    kodepoli: str
    kd_dokter: str
    kodedokter: str
    tanggal: date
    start: time
    end: time

    @property
    def jampraktek(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass
class Round:
    """What one round did; each kodebooking the WS RS accepted, by what happened to it."""

    booked: dict[str, date] = field(default_factory=dict)
    new_patients: list[str] = field(default_factory=list)
    checked_in: dict[str, int] = field(default_factory=dict)  # kodebooking -> waktu (ms)
    cancelled: dict[str, date] = field(default_factory=dict)  # kodebooking -> visit day
    skipped: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{len(self.booked)} booked ({len(self.new_patients)} new patients), "
                f"{len(self.checked_in)} checked in, {len(self.cancelled)} cancelled")


def _hours(value: object) -> time:
    if isinstance(value, timedelta):  # MariaDB TIME arrives as a timedelta
        return (datetime.min + value).time()
    assert isinstance(value, time), value
    return value


async def _practice(cursor: aiomysql.Cursor, doctor: tuple[str, str, str], tanggal: date,
                    start: time, end: time) -> Practice:
    kd_poli, kd_dokter, kodedokter = doctor
    hari = HARI[tanggal.weekday()]
    await cursor.execute(ADD_PRACTICE, (kd_dokter, hari, start, end, kd_poli))
    await cursor.execute(PRACTICE_HOURS, (kd_dokter, hari, start))
    row = await cursor.fetchone()
    return Practice(kd_poli, kd_dokter, kodedokter, tanggal, _hours(row[0]), _hours(row[1]))


async def prepare_practices(khanza: DatabaseUrl, now: datetime
                            ) -> tuple[Practice | None, Practice]:
    """Today's practice still ahead (None when none can start later today) and
    tomorrow's 08:00-14:00 of the first demo doctor (the second gets the same hours)."""
    today, tomorrow = now.date(), now.date() + timedelta(days=1)
    ahead = (now.replace(tzinfo=None) + LEAD).replace(minute=0, second=0, microsecond=0)
    ahead += timedelta(hours=1)
    conn = await db.connect(khanza, setting="demo")
    try:
        async with conn.cursor() as cursor:
            later = (await _practice(cursor, DOCTORS[0], today, ahead.time(), time(23, 59))
                     if ahead.date() == today and ahead.time() < time(23, 59) else None)
            nextday, _ = [await _practice(cursor, doctor, tomorrow, time(8), time(14))
                          for doctor in DOCTORS]
    finally:
        conn.close()
    return later, nextday


async def returning_patients(khanza: DatabaseUrl, practice: Practice, count: int
                             ) -> list[Patient]:
    conn = await db.connect(khanza, setting="demo")
    try:
        async with conn.cursor() as cursor:
            await cursor.execute(RETURNING, (practice.tanggal, practice.kd_dokter, count))
            rows = await cursor.fetchall()
    finally:
        conn.close()
    return [Patient(nomorkartu=r[1], nik=r[2], nama=r[3]) for r in rows]


def _epoch_ms(now: datetime) -> int:
    """The arrival as Mobile JKN sends it; whole seconds, as Khanza stores them."""
    return int(now.timestamp()) * 1000


class _Player:
    def __init__(self, jkn: MobileJkn, number: int, clock: Callable[[], datetime],
                 say: Callable[[str], None]) -> None:
        self.jkn, self.number, self.clock, self.say = jkn, number, clock, say
        self.round = Round()
        self._refs = 0

    def _refused(self, what: str, answer: WsrsAnswer) -> None:
        logger.info("Mobile JKN %s refused: %s", what, answer.message)

    async def book(self, patient: Patient, practice: Practice) -> str | None:
        self._refs += 1
        answer = await self.jkn.book(
            patient, kodepoli=practice.kodepoli, kodedokter=practice.kodedokter,
            tanggal=practice.tanggal, jampraktek=practice.jampraktek,
            nomorreferensi=f"DEMO{practice.tanggal:%m%d}R{self.number:04d}{self._refs:03d}")
        if not answer.ok or answer.response is None:
            self._refused(f"booking for {mask(patient.nomorkartu)}", answer)
            return None
        kode = str(answer.response["kodebooking"])
        self.round.booked[kode] = practice.tanggal
        if answer.response.get("pasienbaru") == 1:
            self.round.new_patients.append(kode)
        logger.info("Mobile JKN booked %s for %s (patient %s)", kode, practice.tanggal,
                    mask(answer.response.get("norm", "")))
        return kode

    async def check_in(self, kode: str) -> None:
        waktu = _epoch_ms(self.clock())
        answer = await self.jkn.check_in(kode, waktu)
        if answer.ok:
            self.round.checked_in[kode] = waktu
        else:
            self._refused(f"check-in of {kode}", answer)

    async def cancel(self, kode: str, why: str) -> None:
        answer = await self.jkn.cancel(kode, why)
        if answer.ok:
            self.round.cancelled[kode] = self.round.booked[kode]
        else:
            self._refused(f"cancellation of {kode}", answer)

    def skip(self, reason: str) -> None:
        self.round.skipped.append(reason)
        logger.warning("Mobile JKN round %d: %s", self.number, reason)
        self.say(f"Mobile JKN: {reason}")

    def stranger(self, k: int) -> Patient:
        """Participant ``k`` of this round whom the hospital has never seen (invented,
        obviously so: numbers start with 8 and zeros)."""
        n = self.number * 10 + k
        return Patient(nomorkartu=f"8{n:012d}", nik=f"8{n:015d}",
                       nama=f"PESERTA BARU DEMO {self.number}-{k}")


async def play_round(jkn: MobileJkn, khanza: DatabaseUrl, number: int,
                     clock: Callable[[], datetime],
                     say: Callable[[str], None] = lambda line: None) -> Round:
    """Round ``number`` (distinct per run: it names the invented participants).

    ``clock`` is the hospital's wall clock (aware, in its zone): the check-in ``waktu``."""
    player = _Player(jkn, number, clock, say)
    now = clock()
    today, tomorrow = await prepare_practices(khanza, now)
    ahead = today or tomorrow
    await jkn.status(kodepoli=ahead.kodepoli, kodedokter=ahead.kodedokter,
                     tanggal=ahead.tanggal, jampraktek=ahead.jampraktek)
    checked: str | None = None
    returning: list[Patient] = []
    if today is None:
        player.skip(f"no practice can start later today ({now:%H:%M} in the hospital's "
                    "zone): no same-day booking, check-in or same-day cancellation this round")
        await player.book(player.stranger(1), tomorrow)
    else:
        # A new participant: 202, pasienbaru, booked, checked in (task 1 if configured).
        if kode := await player.book(player.stranger(1), today):
            await player.check_in(kode)
        returning = await returning_patients(khanza, today, 3)
        if len(returning) < 2:
            player.skip(f"only {len(returning)} returning patients free for today's "
                        "practice: fewer task 3 check-ins this round")
        for patient in returning[:2]:
            if kode := await player.book(patient, today):
                await player.check_in(kode)
                checked = checked or kode
        stand_in = returning[2] if len(returning) > 2 else player.stranger(2)
        if kode := await player.book(stand_in, today):
            await player.cancel(kode, "Berhalangan hadir (demo)")
    # Cancelled the day before the visit: antrean/batal alone reaches BPJS.
    if kode := await player.book(player.stranger(3), tomorrow):
        await player.cancel(kode, "Ganti jadwal (demo)")
    some = checked or next(iter(player.round.booked), "")
    await jkn.remaining(some)
    await jkn.pharmacy_take(some)
    await jkn.pharmacy_status(some)
    await jkn.surgeries(now.date(), now.date() + timedelta(days=30))
    await jkn.patient_surgeries((returning or [player.stranger(1)])[0].nomorkartu)
    say(f"Mobile JKN round {number}: {player.round.line()}")
    return player.round
