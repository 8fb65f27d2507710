"""``ambilantrean``: a Mobile JKN booking written the way Khanza's registration desk writes it.

One transaction per booking writes a ``reg_periksa`` row (queue number =
``no_reg``) and its ``referensi_mobilejkn_bpjs`` row, which the producer reads
exactly like a booking made by Khanza's own web service (``bookings.py``).

Allocation, and why it is safe beside Khanza's desktop app (docs/wsrs.md):

1. ``LOCK_DOCTOR`` locks the doctor's ``jadwal`` rows: our own bookings of one
   doctor queue there, one at a time, whatever the day (per schedule was not
   enough: step 2's lock of one day ends on the doctor's next day, and adjacent
   days then deadlocked; see ``schedule.LOCK_DOCTOR``).
2. ``LOCK_DOCTOR_DAY`` is a locking read (``FOR UPDATE``) of every registration of
   the doctor and day, through the ``kd_dokter`` index (whose entries end with the
   date-prefixed ``no_rawat``), under REPEATABLE READ.
   InnoDB takes next-key locks over that whole index range, so until we commit
   no other transaction can insert a registration of that doctor and day — and
   a walk-in written as one ``INSERT ... SELECT max(no_reg)+1`` is itself a
   locking read of the same rows, so it waits for our commit and then counts our
   row (or we wait for its commit and count its row). In the worst interleaving
   InnoDB reports a deadlock and rolls one side back; we retry ours. Two equal
   numbers are never both committed.
3. ``no_rawat`` and ``nobooking`` are the next free keys of the day, read in a
   snapshot taken after both locks are held; a collision with another writer
   (another doctor's booking of the day, a walk-in) is caught by the primary key
   (MariaDB error 1062) and the next number is tried.

Locks are held from step 1 to COMMIT, and every round trip in that window is also a
wait for this process's event loop, so the window is two round trips: BEGIN, both
locks and the reads in one multi-statement ``batch``, then both INSERTs and COMMIT
in another (docs/wsrs.md, Performance).

The remaining window: a desktop client that reads ``max(no_reg)`` in one
statement and inserts in a later one (no lock between) can still take a number
we just committed; ``no_reg`` has no unique key upstream, so nothing in the
database stops that. See docs/wsrs.md.

Grants (``SIMRS_BRIDGE_WSRS_DB_URL``): ``SELECT`` on pasien, reg_periksa, jadwal,
poliklinik, dokter, maping_poli_bpjs, maping_dokter_dpjpvclaim,
referensi_mobilejkn_bpjs; ``INSERT`` on reg_periksa and referensi_mobilejkn_bpjs;
``UPDATE`` on jadwal is needed only because ``SELECT ... FOR UPDATE`` requires it
(the rows are never changed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiomysql
import pymysql

from core.khanza.snapshot import epoch_ms
from core.khanza.writes.refusal import PATIENT_UNKNOWN, Refused
from core.khanza.writes.schedule import LOCK_DOCTOR, Schedule, find_schedule
from core.khanza.writes.tx import DUPLICATE_KEY, batch, in_transaction

__all__ = [
    "INSERT_BOOKING",
    "INSERT_REGISTRATION",
    "JENIS_KUNJUNGAN",
    "KETERANGAN",
    "LAST_KEYS",
    "LOCK_DOCTOR_DAY",
    "PATIENT_BY_KARTU",
    "PATIENT_BY_NIK",
    "PATIENT_HISTORY",
    "Booked",
    "BookingRequest",
    "book",
]

logger = logging.getLogger(__name__)

KETERANGAN = "Peserta harap 30 menit lebih awal guna pencatatan administrasi."
JENIS_KUNJUNGAN = {1: "1 (Rujukan FKTP)", 2: "2 (Rujukan Internal)", 3: "3 (Kontrol)",
                   4: "4 (Rujukan Antar RS)"}
_KEY_TRIES = 200

# --- SQL -------------------------------------------------------------------------------------

_PATIENT = """SELECT no_rkm_medis, tgl_lahir, namakeluarga, keluarga, alamatpj, kelurahanpj,
       kecamatanpj, kabupatenpj, propinsipj
FROM pasien
"""
PATIENT_BY_KARTU = _PATIENT + "WHERE no_peserta = %s ORDER BY no_rkm_medis LIMIT 1"
PATIENT_BY_NIK = _PATIENT + "WHERE no_ktp = %s ORDER BY no_rkm_medis LIMIT 1"

# Earlier registrations of the patient (KEY no_rkm_medis): new patient at all / in this
# poli, already registered with this doctor and poli that day; and one active booking per
# nomorreferensi (Khanza's rule; no index on nomorreferensi upstream, so the patient's own
# bookings, KEY norm, are searched).
PATIENT_HISTORY = """SELECT COUNT(*) AS visits, COALESCE(SUM(kd_poli = %s), 0) AS in_poli,
       COALESCE(SUM(kd_poli = %s AND kd_dokter = %s AND tgl_registrasi = %s
                    AND stts <> 'Batal'), 0) AS same_day,
       (SELECT COUNT(*) FROM referensi_mobilejkn_bpjs
        WHERE norm = %s AND nomorreferensi = %s AND status IN ('Belum', 'Checkin')) AS referensi
FROM reg_periksa WHERE no_rkm_medis = %s"""

# The lock that serialises us with every other writer of this doctor and day (see the
# module docstring): next-key locks over the doctor's day in the kd_dokter index. InnoDB
# stores the primary key in every secondary index, so that index is (kd_dokter, no_rawat)
# and a no_rawat range — Khanza numbers a registration with its date — narrows the lock
# (and the read) to the day instead of the doctor's whole history.
LOCK_DOCTOR_DAY = """SELECT MAX(CAST(no_reg AS UNSIGNED)) AS last_reg,
       COALESCE(SUM(kd_poli = %s AND stts <> 'Batal'), 0) AS taken
FROM reg_periksa FORCE INDEX (kd_dokter)
WHERE kd_dokter = %s AND no_rawat >= %s AND no_rawat < %s AND tgl_registrasi = %s
FOR UPDATE"""

# The day's last no_rawat and nobooking, by primary-key ranges; a collision with a
# concurrent writer (another doctor's booking of the day, a walk-in) is caught by the key
# itself.
LAST_KEYS = """SELECT (SELECT MAX(no_rawat) FROM reg_periksa
        WHERE no_rawat >= %s AND no_rawat < %s) AS last_rawat,
       (SELECT MAX(nobooking) FROM referensi_mobilejkn_bpjs
        WHERE nobooking >= %s AND nobooking <= %s) AS last_booking"""

BEGIN = "BEGIN"
COMMIT = "COMMIT"

# The values Khanza's registration writes for a booked outpatient visit.
INSERT_REGISTRATION = """INSERT INTO reg_periksa (no_reg, no_rawat, tgl_registrasi, jam_reg,
    kd_dokter, no_rkm_medis, kd_poli, p_jawab, almt_pj, hubunganpj, biaya_reg, stts,
    stts_daftar, status_lanjut, kd_pj, umurdaftar, sttsumur, status_bayar, status_poli)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'Belum', %s, 'Ralan', %s, %s, %s,
        'Belum Bayar', %s)"""

INSERT_BOOKING = """INSERT INTO referensi_mobilejkn_bpjs (nobooking, no_rawat, nomorkartu, nik,
    nohp, kodepoli, pasienbaru, norm, tanggalperiksa, kodedokter, jampraktek, jeniskunjungan,
    nomorreferensi, nomorantrean, angkaantrean, estimasidilayani, sisakuotajkn, kuotajkn,
    sisakuotanonjkn, kuotanonjkn, status, validasi, statuskirim)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
        'Belum', '0000-00-00 00:00:00', 'Belum')"""


@dataclass(frozen=True)
class BookingRequest:
    nomorkartu: str
    nik: str
    nohp: str
    kodepoli: str
    norm: str
    tanggalperiksa: date
    kodedokter: str
    jampraktek: str
    jeniskunjungan: int
    nomorreferensi: str


@dataclass(frozen=True)
class Booked:
    kodebooking: str
    no_rawat: str
    angkaantrean: int
    nomorantrean: str
    norm: str
    pasienbaru: int
    namapoli: str
    namadokter: str
    estimasidilayani: int
    sisakuota: int
    kuota: int


def _age(born: Any, on: date) -> tuple[int, str]:
    """Khanza's umurdaftar/sttsumur: years, else months, else days."""
    if not isinstance(born, date):
        return 0, "Th"
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if years > 0:
        return years, "Th"
    months = (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day)
    if months > 0:
        return months, "Bl"
    return max((on - born).days, 0), "Hr"


async def _one(conn: aiomysql.Connection, sql: str, params: tuple[object, ...]) -> dict[str, Any]:
    async with conn.cursor(aiomysql.DictCursor) as cursor:
        await cursor.execute(sql, params)
        row = await cursor.fetchone()
    return dict(row) if row else {}


async def find_patient(conn: aiomysql.Connection, nomorkartu: str, nik: str) -> dict[str, Any]:
    """The patient by BPJS card, else by NIK; ``Refused`` 202 when neither is known."""
    patient = await _one(conn, PATIENT_BY_KARTU, (nomorkartu,))
    if not patient:
        patient = await _one(conn, PATIENT_BY_NIK, (nik,))
    if not patient:
        raise Refused("Data pasien ini tidak ditemukan", PATIENT_UNKNOWN, reason="pasien baru")
    return patient


async def _insert(
    conn: aiomysql.Connection, registration: Any, booking: Any, first_rawat: int,
    first_booking: int,
) -> tuple[int, int]:
    """Insert both rows and COMMIT in one round trip, taking the next key on a collision.

    ``registration(n)`` and ``booking(n, m)`` give the statements' parameters for the
    no_rawat number n and nobooking number m; returns (n, m) as committed.
    """
    n, m, registered = first_rawat, first_booking, False
    for _ in range(_KEY_TRIES):
        statements = [] if registered else [(INSERT_REGISTRATION, registration(n))]
        statements += [(INSERT_BOOKING, booking(n, m)), (COMMIT, ())]
        done: list[list[dict[str, Any]]] = []
        try:
            await batch(conn, statements, done)
            return n, m
        except pymysql.err.IntegrityError as exc:
            if exc.args[0] != DUPLICATE_KEY:
                raise
            registered = registered or bool(done)
            logger.info("key %s taken by another writer; trying the next",
                        f"nobooking {m}" if registered else f"no_rawat {n}")
            if registered:
                m += 1
            else:
                n += 1
    raise Refused("Maaf terjadi kesalahan, hubungi Administrator..", 201, reason="no free key")


async def book(
    pool: aiomysql.Pool, request: BookingRequest, now: datetime, *, kd_pj: str,
    minutes_per_patient: int, zone: ZoneInfo,
) -> Booked:
    """Register the booking, or raise ``Refused`` having written nothing."""
    async with pool.acquire() as conn:
        patient = await find_patient(conn, request.nomorkartu, request.nik)
        schedule = await find_schedule(conn, request.kodepoli, request.kodedokter,
                                       request.tanggalperiksa, request.jampraktek)
        start = schedule.start(request.tanggalperiksa)
        if now >= datetime.combine(request.tanggalperiksa, schedule.jam_selesai):
            raise Refused("Pendaftaran ke Poli ini sudah tutup", reason="tutup")
        norm = patient["no_rkm_medis"]
        return await in_transaction(conn, lambda: _write(
            conn, request, schedule, patient, now, start, norm, kd_pj=kd_pj,
            minutes=minutes_per_patient, zone=zone), delimits=True)


async def _write(
    conn: aiomysql.Connection, request: BookingRequest, schedule: Schedule,
    patient: dict[str, Any], now: datetime, start: datetime, norm: str, *, kd_pj: str,
    minutes: int, zone: ZoneInfo,
) -> Booked:
    tanggal = request.tanggalperiksa
    prefix, next_prefix = f"{tanggal:%Y/%m/%d}/", f"{tanggal + timedelta(days=1):%Y/%m/%d}/"
    day = f"{tanggal:%Y%m%d}"
    # One round trip from BEGIN to the snapshot: the locks in their order (doctor, then
    # the doctor's day), then the consistent reads, whose snapshot is taken only now that
    # the locks are held, so it already holds every booking of this doctor committed
    # before and the day's keys are as fresh as they can be.
    _, _, locked, history, last = await batch(conn, [
        (BEGIN, ()),
        (LOCK_DOCTOR, (schedule.kd_dokter,)),
        (LOCK_DOCTOR_DAY, (schedule.kd_poli, schedule.kd_dokter, prefix, next_prefix,
                           tanggal)),
        (PATIENT_HISTORY, (schedule.kd_poli, schedule.kd_poli, schedule.kd_dokter, tanggal,
                           norm, request.nomorreferensi, norm)),
        (LAST_KEYS, (prefix, next_prefix, f"{day}000000", f"{day}999999")),
    ])
    if history[0]["referensi"]:
        raise Refused("Anda sudah terdaftar dalam antrian menggunakan nomor referensi yang sama",
                      reason="referensi")
    if history[0]["same_day"]:
        raise Refused("Nomor Antrean hanya dapat diambil 1 kali pada Tanggal, Dokter dan Poli "
                      "yang sama", reason="sudah terdaftar")
    taken = int(locked[0]["taken"] or 0)
    if taken >= schedule.kuota:
        raise Refused("Kuota penuh, silakan pilih tanggal atau jadwal lain", reason="kuota penuh")
    no_reg = int(locked[0]["last_reg"] or 0) + 1
    baru = 0 if history[0]["visits"] else 1
    umur, sttsumur = _age(patient["tgl_lahir"], tanggal)
    alamat = ", ".join(str(patient[k]) for k in ("alamatpj", "kelurahanpj", "kecamatanpj",
                                                 "kabupatenpj", "propinsipj") if patient[k])
    keys = last[0]
    estimasi = epoch_ms(start + (no_reg - 1) * timedelta(minutes=minutes), zone)
    sisa = max(schedule.kuota - taken - 1, 0)
    nomorantrean = f"{schedule.kd_poli}-{no_reg:03d}"
    n, m = await _insert(
        conn,
        lambda n: (f"{no_reg:03d}", f"{prefix}{n:06d}", tanggal,
                   now.time().replace(microsecond=0), schedule.kd_dokter, norm,
                   schedule.kd_poli, patient["namakeluarga"] or "-", alamat[:200] or "-",
                   patient["keluarga"] or "-", schedule.biaya, "Baru" if baru else "Lama",
                   kd_pj, umur, sttsumur, "Lama" if history[0]["in_poli"] else "Baru"),
        lambda n, m: (f"{day}{m:06d}", f"{prefix}{n:06d}", request.nomorkartu, request.nik,
                      request.nohp, request.kodepoli, str(baru), norm, tanggal,
                      request.kodedokter, request.jampraktek,
                      JENIS_KUNJUNGAN[request.jeniskunjungan], request.nomorreferensi,
                      nomorantrean, str(no_reg), str(estimasi), sisa, schedule.kuota, sisa,
                      schedule.kuota),
        int(str(keys["last_rawat"])[-6:]) + 1 if keys.get("last_rawat") else 1,
        int(str(keys["last_booking"])[-6:]) + 1 if keys.get("last_booking") else 1,
    )
    return Booked(
        kodebooking=f"{day}{m:06d}", no_rawat=f"{prefix}{n:06d}", angkaantrean=no_reg,
        nomorantrean=nomorantrean, norm=norm, pasienbaru=baru, namapoli=schedule.nm_poli,
        namadokter=schedule.nm_dokter, estimasidilayani=estimasi, sisakuota=sisa,
        kuota=schedule.kuota,
    )
