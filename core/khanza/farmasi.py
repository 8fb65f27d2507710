"""The pharmacy queue of the WS RS (``ambilantreanfarmasi``, ``statusantreanfarmasi``).

Khanza has no separate pharmacy ticket: a visit's outpatient prescription
(``resep_obat``, lowest ``no_resep``) is its place in the pharmacy queue, and its
number is the last four digits of ``no_resep`` — the same number the pipeline
sends in ``antrean/farmasi/add`` (``tasks.farmasi_for``), so the patient, the app
and BPJS see one number. A prescription is done when it was handed over
(``tgl_penyerahan`` a real date). Reads go through the booking's primary key and
``resep_obat``'s ``no_rawat`` key over the visit day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import aiomysql

from core.khanza.tasks import load_racikan

__all__ = ["PRESCRIPTIONS_OF_DAY", "PRESCRIPTION_OF_BOOKING", "PharmacyPlace", "pharmacy_place"]

# The booking's outpatient prescriptions (PK nobooking, then KEY no_rawat).
PRESCRIPTION_OF_BOOKING = """SELECT r.status AS booking_status, r.tanggalperiksa, ro.no_resep,
       ro.status
FROM referensi_mobilejkn_bpjs r
LEFT JOIN resep_obat ro ON ro.no_rawat = r.no_rawat
WHERE r.nobooking = %s"""

# The day's prescriptions, by the KEY no_rawat over the day's range (status in Python).
PRESCRIPTIONS_OF_DAY = """SELECT no_resep, status, tgl_penyerahan FROM resep_obat
WHERE no_rawat >= %s AND no_rawat < %s"""


@dataclass(frozen=True)
class PharmacyPlace:
    jenisresep: str
    nomorantrean: int
    total: int
    waiting: int
    called: int


async def _rows(conn: aiomysql.Connection, sql: str, params: tuple[object, ...]
                ) -> list[dict[str, Any]]:
    async with conn.cursor(aiomysql.DictCursor) as cursor:
        await cursor.execute(sql, params)
        return [dict(r) for r in await cursor.fetchall()]


def _number(no_resep: str) -> int | None:
    tail = no_resep[-4:]
    return int(tail) if tail.isdigit() else None


async def pharmacy_place(conn: aiomysql.Connection, kodebooking: str) -> PharmacyPlace | str:
    """The booking's place in the pharmacy queue, or the patient's message why there is none."""
    rows = await _rows(conn, PRESCRIPTION_OF_BOOKING, (kodebooking,))
    if not rows or rows[0]["booking_status"] == "Gagal":
        return "Data Booking tidak ditemukan"
    if rows[0]["booking_status"] == "Batal":
        return "Data booking sudah dibatalkan"
    mine = sorted(r["no_resep"] for r in rows if r["no_resep"] and r["status"] == "ralan")
    if not mine or _number(mine[0]) is None:
        return "Belum ada resep untuk kode booking ini"
    no_resep, tanggal = mine[0], rows[0]["tanggalperiksa"]
    if not isinstance(tanggal, date):
        return "Data Booking tidak ditemukan"
    day = await _rows(conn, PRESCRIPTIONS_OF_DAY, (
        f"{tanggal:%Y/%m/%d}/", f"{tanggal + timedelta(days=1):%Y/%m/%d}/"))
    ralan = [r for r in day if r["status"] == "ralan"]
    # A zero date ('0000-00-00', returned as text) means not handed over yet.
    open_ = sorted(r["no_resep"] for r in ralan if not isinstance(r["tgl_penyerahan"], date))
    waiting = [n for n in open_ if n <= no_resep]
    racikan = await load_racikan(conn, [no_resep])
    called = _number(open_[0]) if open_ else None
    return PharmacyPlace(
        jenisresep="Racikan" if no_resep in racikan else "Non Racikan",
        nomorantrean=_number(no_resep) or 0, total=len(ralan), waiting=len(waiting),
        called=called if called is not None else _number(no_resep) or 0,
    )
