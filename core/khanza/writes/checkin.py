"""``checkinantrean`` and ``batalantrean``: the patient's arrival and cancellation.

Both change one booking under a row lock on its ``referensi_mobilejkn_bpjs`` row
(PK ``nobooking``), so a check-in and a cancellation racing for the same
booking are decided one after the other, never both.

* Check-in stores the arrival time Mobile JKN reports (``waktu``, in the
  hospital's zone, to the second) in ``validasi`` with status ``Checkin``, as
  Khanza's web service does; the producer reads it as a task source
  (``referensi_mobilejkn_bpjs.checkin``: task 1 for a new patient, 3 otherwise),
  but only when it falls on the visit day.
* Cancellation sets status ``Batal``, marks the registration ``stts='Batal'``
  (kept, not deleted as Khanza's PHP does, so its queue number is never handed out
  again) and writes ``referensi_mobilejkn_bpjs_batal`` with the cancellation time,
  which the pipeline sends as ``antrean/batal`` and task 99.

Grants: ``SELECT, UPDATE (status, validasi)`` on referensi_mobilejkn_bpjs,
``UPDATE (stts)`` on reg_periksa, ``INSERT`` on referensi_mobilejkn_bpjs_batal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import aiomysql

from core.khanza.writes.refusal import Refused
from core.khanza.writes.schedule import parse_jampraktek
from core.khanza.writes.tx import in_transaction

__all__ = [
    "BOOKING_FOR_UPDATE",
    "CANCEL_BOOKING",
    "CANCEL_REGISTRATION",
    "CHECK_IN",
    "RECORD_CANCELLATION",
    "Changed",
    "cancel",
    "check_in",
]

# The booking, locked for the rest of the transaction (PK).
BOOKING_FOR_UPDATE = """SELECT nobooking, no_rawat, norm, nomorreferensi, tanggalperiksa,
       jampraktek, status, validasi
FROM referensi_mobilejkn_bpjs WHERE nobooking = %s FOR UPDATE"""

CHECK_IN = """UPDATE referensi_mobilejkn_bpjs SET status = 'Checkin', validasi = %s
WHERE nobooking = %s"""

CANCEL_BOOKING = """UPDATE referensi_mobilejkn_bpjs SET status = 'Batal', validasi = %s
WHERE nobooking = %s"""
CANCEL_REGISTRATION = "UPDATE reg_periksa SET stts = 'Batal' WHERE no_rawat = %s"
RECORD_CANCELLATION = """INSERT INTO referensi_mobilejkn_bpjs_batal (no_rkm_medis,
    no_rawat_batal, nomorreferensi, tanggalbatal, keterangan, statuskirim, nobooking)
VALUES (%s, %s, %s, %s, %s, 'Belum', %s)"""

FUTURE_SLACK = timedelta(minutes=5)  # clocks of BPJS and the hospital differ a little


@dataclass(frozen=True)
class Changed:
    kodebooking: str
    no_rawat: str


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else str(value)


async def _locked(conn: aiomysql.Connection, kodebooking: str) -> dict[str, Any]:
    async with conn.cursor(aiomysql.DictCursor) as cursor:
        await cursor.execute(BOOKING_FOR_UPDATE, (kodebooking,))
        row = await cursor.fetchone()
    if row is None or row["status"] == "Gagal":
        raise Refused("Data Booking tidak ditemukan", reason="booking tidak ada")
    if row["status"] == "Batal":
        raise Refused(f"Booking Anda Sudah Dibatalkan pada tanggal {_when(row['validasi'])}",
                      reason="sudah batal")
    return dict(row)


async def check_in(
    pool: aiomysql.Pool, kodebooking: str, waktu: datetime, now: datetime
) -> Changed:
    """Record the arrival ``waktu`` (hospital wall clock) of a booking."""
    if waktu.date() < now.date():
        raise Refused("Waktu Checkin tidak berlaku mundur", reason="mundur")
    if waktu > now + FUTURE_SLACK:
        raise Refused("Waktu Checkin tidak boleh melebihi waktu sekarang", reason="masa depan")

    async def work() -> Changed:
        row = await _locked(conn, kodebooking)
        if row["status"] == "Checkin":
            raise Refused(f"Anda Sudah Checkin pada tanggal {_when(row['validasi'])}",
                          reason="sudah checkin")
        start, _ = parse_jampraktek(row["jampraktek"] or "00:00-23:59")
        if not isinstance(row["tanggalperiksa"], date) or waktu >= datetime.combine(
                row["tanggalperiksa"], start):
            raise Refused("Chekin Anda sudah expired. Silahkan konfirmasi ke loket pendaftaran",
                          reason="expired")
        async with conn.cursor() as cursor:
            await cursor.execute(CHECK_IN, (waktu.replace(microsecond=0), kodebooking))
        return Changed(kodebooking, row["no_rawat"] or "")

    async with pool.acquire() as conn:
        return await in_transaction(conn, work)


async def cancel(
    pool: aiomysql.Pool, kodebooking: str, keterangan: str, now: datetime
) -> Changed:
    """Cancel a booking that is neither checked in nor in the past."""
    async def work() -> Changed:
        row = await _locked(conn, kodebooking)
        if isinstance(row["tanggalperiksa"], date) and row["tanggalperiksa"] < now.date():
            raise Refused("Pembatalan Antrean tidak berlaku mundur", reason="mundur")
        if row["status"] == "Checkin":
            raise Refused(f"Anda Sudah Checkin Pada Tanggal {_when(row['validasi'])}, "
                          "Pendaftaran Tidak Bisa Dibatalkan", reason="sudah checkin")
        stamp = now.replace(microsecond=0)
        async with conn.cursor() as cursor:
            await cursor.execute(CANCEL_BOOKING, (stamp, kodebooking))
            if row["no_rawat"]:
                await cursor.execute(CANCEL_REGISTRATION, (row["no_rawat"],))
            await cursor.execute(RECORD_CANCELLATION, (
                row["norm"], row["no_rawat"], row["nomorreferensi"], stamp, keterangan[:200],
                kodebooking))
        return Changed(kodebooking, row["no_rawat"] or "")

    async with pool.acquire() as conn:
        return await in_transaction(conn, work)
