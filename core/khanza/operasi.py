"""The surgery schedule for the WS RS (``jadwaloperasirs``, ``jadwaloperasipasien``).

Read from Khanza's ``booking_operasi`` as Khanza's web service reads it:
kodebooking = the registration's ``no_rawat``, jenistindakan = the package name,
kodepoli = the BPJS sub-specialty of the registration's poli, terlaksana = 0 while
the status is ``Menunggu``. ``booking_operasi`` has no index on the surgery date
upstream (its key starts with no_rawat), so the hospital-wide list is a scan of
that table — small next to the registrations, and asked for rarely; the patient's
list goes through ``pasien.no_peserta`` and the registrations' keys.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import aiomysql

__all__ = ["OPERASI_IN_RANGE", "OPERASI_OF_PESERTA", "surgeries"]

_OPERASI = """SELECT bo.no_rawat, bo.tanggal, po.nm_perawatan, mp.kd_poli_bpjs, mp.nm_poli_bpjs,
       bo.status, p.no_peserta
FROM booking_operasi bo
JOIN reg_periksa rp ON rp.no_rawat = bo.no_rawat
JOIN pasien p ON p.no_rkm_medis = rp.no_rkm_medis
JOIN paket_operasi po ON po.kode_paket = bo.kode_paket
LEFT JOIN maping_poli_bpjs mp ON mp.kd_poli_rs = rp.kd_poli
"""
OPERASI_IN_RANGE = _OPERASI + """WHERE bo.tanggal BETWEEN %s AND %s
ORDER BY bo.tanggal, bo.jam_mulai"""
OPERASI_OF_PESERTA = _OPERASI + """WHERE p.no_peserta = %s
ORDER BY bo.tanggal, bo.jam_mulai"""


def _item(row: dict[str, Any], *, hospital: bool, lastupdate: int) -> dict[str, Any]:
    tanggal = row["tanggal"]
    item: dict[str, Any] = {
        "kodebooking": row["no_rawat"],
        "tanggaloperasi": tanggal.isoformat() if isinstance(tanggal, date) else str(tanggal),
        "jenistindakan": row["nm_perawatan"], "kodepoli": row["kd_poli_bpjs"] or "",
        "namapoli": row["nm_poli_bpjs"] or "",
        "terlaksana": 0 if row["status"] in (None, "Menunggu") else 1,
    }
    if hospital:
        item["nopeserta"] = row["no_peserta"] or ""
        item["lastupdate"] = lastupdate
    return item


async def surgeries(conn: aiomysql.Connection, *, lastupdate: int,
                    between: tuple[date, date] | None = None,
                    nopeserta: str | None = None) -> list[dict[str, Any]]:
    """The hospital's surgeries ``between`` two dates, or one participant's."""
    sql, params = ((OPERASI_IN_RANGE, between) if between is not None
                   else (OPERASI_OF_PESERTA, (nopeserta,)))
    async with conn.cursor(aiomysql.DictCursor) as cursor:
        await cursor.execute(sql, params)
        rows = await cursor.fetchall()
    return [_item(dict(r), hospital=between is not None, lastupdate=lastupdate) for r in rows]
