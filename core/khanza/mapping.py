"""Khanza's BPJS mappings and one weekday's schedule, for the schedule and mapping check.

Small configuration tables (one row per poli, doctor, session), read whole;
``jadwal`` through its ``hari_kerja`` column for one weekday.
"""

from __future__ import annotations

import aiomysql

from core.khanza.tasks import Row, fetch_all

__all__ = ["JADWAL_OF_DAY", "MAPING_DOKTER", "MAPING_POLI", "KhanzaMappings", "load_mappings"]

# Which Khanza poli reports as which BPJS (sub-specialist) poli. PK kd_poli_rs.
MAPING_POLI = "SELECT kd_poli_rs, kd_poli_bpjs, nm_poli_bpjs FROM maping_poli_bpjs"
# Which Khanza doctor is which HFIS doctor. PK kd_dokter.
MAPING_DOKTER = "SELECT kd_dokter, kd_dokter_bpjs, nm_dokter_bpjs FROM maping_dokter_dpjpvclaim"
# The sessions of one weekday (SENIN .. AKHAD).
JADWAL_OF_DAY = """SELECT kd_dokter, hari_kerja, jam_mulai, jam_selesai, kd_poli, kuota
FROM jadwal WHERE hari_kerja = %s"""


class KhanzaMappings:
    def __init__(self, poli: list[Row], dokter: list[Row], jadwal: list[Row]) -> None:
        self.poli = {str(r["kd_poli_rs"]): r for r in poli}
        self.dokter = {str(r["kd_dokter"]): r for r in dokter}
        self.jadwal = jadwal


async def load_mappings(conn: aiomysql.Connection, hari: str) -> KhanzaMappings:
    return KhanzaMappings(await fetch_all(conn, MAPING_POLI, ()),
                          await fetch_all(conn, MAPING_DOKTER, ()),
                          await fetch_all(conn, JADWAL_OF_DAY, (hari,)))
