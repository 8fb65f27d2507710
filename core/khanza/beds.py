"""Bed counts per ward and class, as Khanza's own SIRANAP/Aplicare screens count them.

One ``WardCount`` per (``kd_bangsal``, ``kelas``) from ``kamar``: capacity is
the active beds (``statusdata='1'``), split by ``kamar.status`` (reference
sirs-online.md §4.5, §5.1). Only active beds are counted, so a ward whose
beds are all retired has no row. Which RS Online ``id_tt`` a group maps to is
decided elsewhere (the bed job); this module only counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiomysql

from core.khanza.tasks import fetch_all

__all__ = [
    "ALL_BANGSAL",
    "KAMAR_CLASSES",
    "WARD_COUNTS",
    "WardCount",
    "known_wards",
    "load_ward_counts",
]

# kamar and bangsal are small reference tables (one row per bed / ward, a few
# hundred at most, no history), so reading them whole each cycle is cheap.
# DIBERSIHKAN (cleaning) and DIBOOKING (reserved) are beds being made ready:
# RS Online's "prepare". Any other status (PERBAIKAN, NULL) is "other".
WARD_COUNTS = """SELECT k.kd_bangsal, b.nm_bangsal, k.kelas,
       COUNT(*) AS capacity,
       SUM(k.status = 'ISI') AS occupied,
       SUM(k.status = 'KOSONG') AS free,
       SUM(k.status IN ('DIBERSIHKAN', 'DIBOOKING')) AS prepare,
       SUM(k.status IS NULL OR k.status NOT IN ('ISI', 'KOSONG', 'DIBERSIHKAN', 'DIBOOKING'))
           AS other
FROM kamar k JOIN bangsal b ON b.kd_bangsal = k.kd_bangsal
WHERE k.statusdata = %s
GROUP BY k.kd_bangsal, b.nm_bangsal, k.kelas
ORDER BY k.kd_bangsal, k.kelas"""

ACTIVE = "1"

# For checking an operator's bed mapping (``beds mapping load``): every ward code, and every
# (ward, class) pair that has beds at all, retired ones included.
ALL_BANGSAL = "SELECT kd_bangsal FROM bangsal"
KAMAR_CLASSES = "SELECT DISTINCT kd_bangsal, kelas FROM kamar WHERE kd_bangsal IS NOT NULL"


async def known_wards(
    conn: aiomysql.Connection,
) -> tuple[set[str], set[tuple[str, str | None]]]:
    """Ward codes, and (ward, class) pairs with beds, a mapping may name."""
    async with conn.cursor() as cursor:
        await cursor.execute(ALL_BANGSAL)
        bangsal = {str(r[0]) for r in await cursor.fetchall()}
        await cursor.execute(KAMAR_CLASSES)
        classes = {(str(b), None if k is None else str(k)) for b, k in await cursor.fetchall()}
    return bangsal, classes


@dataclass(frozen=True)
class WardCount:
    kd_bangsal: str
    nm_bangsal: str
    kelas: str | None
    capacity: int
    occupied: int
    free: int
    prepare: int
    other: int


async def load_ward_counts(conn: aiomysql.Connection) -> list[WardCount]:
    rows = await fetch_all(conn, WARD_COUNTS, (ACTIVE,))
    return [
        WardCount(
            kd_bangsal=row["kd_bangsal"],
            nm_bangsal=row["nm_bangsal"] or row["kd_bangsal"],
            kelas=row["kelas"],
            capacity=int(row["capacity"]),
            occupied=int(row["occupied"] or 0),
            free=int(row["free"] or 0),
            prepare=int(row["prepare"] or 0),
            other=int(row["other"] or 0),
        )
        for row in rows
    ]
