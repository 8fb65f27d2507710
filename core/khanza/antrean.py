"""Live queue figures for the WS RS's ``statusantrean`` and ``sisaantrean``.

Read from the registrations themselves (``reg_periksa``, through the
``kd_dokter`` index), so walk-ins and Mobile JKN bookings count alike, as the
schedule's single ``kuota`` does. A registration still ``Belum`` is waiting;
cancelled ones (``Batal``) are left out of every figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import aiomysql

__all__ = ["BOOKING_OF_KODE", "DAY_FIGURES", "QueueFigures", "booking", "day_figures"]

# One schedule's day: how many registered, how many still wait, who is next. The
# kd_dokter index ends with the primary key, so the no_rawat range (Khanza numbers a
# registration with its date) keeps the read to that day.
DAY_FIGURES = """SELECT COUNT(*) AS total,
       COALESCE(SUM(stts = 'Belum'), 0) AS waiting,
       MIN(CASE WHEN stts = 'Belum' THEN CAST(no_reg AS UNSIGNED) END) AS next_reg,
       COALESCE(SUM(stts = 'Belum' AND CAST(no_reg AS UNSIGNED) <= %s), 0) AS ahead
FROM reg_periksa FORCE INDEX (kd_dokter)
WHERE kd_dokter = %s AND no_rawat >= %s AND no_rawat < %s AND tgl_registrasi = %s
  AND kd_poli = %s AND stts <> 'Batal'"""

# A booking with its registration (PK nobooking, then PK no_rawat) and the BPJS names.
BOOKING_OF_KODE = """SELECT r.nobooking, r.status, r.tanggalperiksa, r.nomorantrean,
       rp.no_reg, rp.kd_dokter, rp.kd_poli, rp.stts,
       mp.nm_poli_bpjs, md.nm_dokter_bpjs
FROM referensi_mobilejkn_bpjs r
LEFT JOIN reg_periksa rp ON rp.no_rawat = r.no_rawat
LEFT JOIN maping_poli_bpjs mp ON mp.kd_poli_rs = rp.kd_poli
LEFT JOIN maping_dokter_dpjpvclaim md ON md.kd_dokter = rp.kd_dokter
WHERE r.nobooking = %s"""


@dataclass(frozen=True)
class QueueFigures:
    total: int
    waiting: int
    next_reg: int | None
    ahead: int


async def day_figures(
    conn: aiomysql.Connection, kd_dokter: str, kd_poli: str, tanggal: date, upto: int = 0
) -> QueueFigures:
    """``ahead``: registrations still waiting with a number up to ``upto`` (inclusive)."""
    async with conn.cursor(aiomysql.DictCursor) as cursor:
        await cursor.execute(DAY_FIGURES, (upto, kd_dokter, f"{tanggal:%Y/%m/%d}/",
                                           f"{tanggal + timedelta(days=1):%Y/%m/%d}/", tanggal,
                                           kd_poli))
        row = await cursor.fetchone()
    return QueueFigures(
        total=int(row["total"] or 0), waiting=int(row["waiting"] or 0),
        next_reg=None if row["next_reg"] is None else int(row["next_reg"]),
        ahead=int(row["ahead"] or 0),
    )


async def booking(conn: aiomysql.Connection, kodebooking: str) -> dict[str, Any] | None:
    async with conn.cursor(aiomysql.DictCursor) as cursor:
        await cursor.execute(BOOKING_OF_KODE, (kodebooking,))
        row = await cursor.fetchone()
    return None if row is None else dict(row)
