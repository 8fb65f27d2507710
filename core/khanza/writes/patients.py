"""``pasienbaru``: a new patient with the next medical-record number, allocated atomically.

Khanza keeps the last number handed out in ``set_no_rkm_medis`` (one row, no key)
and its format in ``set_urut_no_rkm_medis`` (Straight/Middle/Terminal digit order,
optional year/month before or after). Its own screens read the last number,
insert the patient and then rewrite the row, with nothing held in between.

Here one transaction (REPEATABLE READ, ``tx.py``) first locks the row of
``set_no_rkm_medis`` (``FOR UPDATE``): WS RS registrations queue there. The
duplicate check runs after the lock, so two simultaneous requests for one person
create one record. A number the desktop took meanwhile is caught by the primary
key of ``pasien`` and the next one is tried; the last number is then written back
the way Khanza writes it.

Grants: ``SELECT, INSERT, DELETE`` on set_no_rkm_medis (and ``UPDATE``, which
``FOR UPDATE`` needs), ``SELECT`` on set_urut_no_rkm_medis, ``SELECT, INSERT`` on
pasien, kelurahan, kecamatan, kabupaten, propinsi (a region name Khanza does not
know yet is added, as Khanza's web service does).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import aiomysql
import pymysql

from core.khanza.writes.refusal import Refused
from core.khanza.writes.tx import DUPLICATE_KEY, in_transaction

__all__ = [
    "INSERT_PATIENT",
    "LAST_NORM_FOR_UPDATE",
    "NORM_FORMAT",
    "NewPatient",
    "register_patient",
]

logger = logging.getLogger(__name__)

LAST_NORM_FOR_UPDATE = "SELECT no_rkm_medis FROM set_no_rkm_medis FOR UPDATE"
NORM_FORMAT = "SELECT urutan, tahun, bulan, posisi_tahun_bulan FROM set_urut_no_rkm_medis LIMIT 1"
SAME_PERSON = """SELECT no_rkm_medis FROM pasien WHERE no_peserta = %s
UNION SELECT no_rkm_medis FROM pasien WHERE no_ktp = %s LIMIT 1"""
FORGET_LAST = "DELETE FROM set_no_rkm_medis"
REMEMBER_LAST = "INSERT INTO set_no_rkm_medis (no_rkm_medis) VALUES (%s)"
# Region lookups (UNIQUE name); unknown names are added like Khanza's web service does.
REGION_ID = {
    "kelurahan": "SELECT kd_kel AS id FROM kelurahan WHERE nm_kel = %s",
    "kecamatan": "SELECT kd_kec AS id FROM kecamatan WHERE nm_kec = %s",
    "kabupaten": "SELECT kd_kab AS id FROM kabupaten WHERE nm_kab = %s",
    "propinsi": "SELECT kd_prop AS id FROM propinsi WHERE nm_prop = %s",
}
REGION_ADD = {
    "kelurahan": "INSERT IGNORE INTO kelurahan (nm_kel) VALUES (%s)",
    "kecamatan": "INSERT IGNORE INTO kecamatan (nm_kec) VALUES (%s)",
    "kabupaten": "INSERT IGNORE INTO kabupaten (nm_kab) VALUES (%s)",
    "propinsi": "INSERT IGNORE INTO propinsi (nm_prop) VALUES (%s)",
}

INSERT_PATIENT = """INSERT INTO pasien (no_rkm_medis, nm_pasien, no_ktp, jk, tmp_lahir, tgl_lahir,
    nm_ibu, alamat, gol_darah, pekerjaan, stts_nikah, agama, tgl_daftar, no_tlp, umur, pnd,
    keluarga, namakeluarga, kd_pj, no_peserta, kd_kel, kd_kec, kd_kab, pekerjaanpj, alamatpj,
    kelurahanpj, kecamatanpj, kabupatenpj, perusahaan_pasien, suku_bangsa, bahasa_pasien,
    cacat_fisik, email, nip, kd_prop, propinsipj)
VALUES (%s, %s, %s, %s, '-', %s, '-', %s, '-', '-', NULL, '-', %s, %s, %s, '-', 'DIRI SENDIRI',
        '-', %s, %s, %s, %s, %s, '-', %s, %s, %s, %s, '-', 1, 1, 1, '-', '-', %s, %s)"""

_TRIES = 200
# Digit orders of the six-digit serial (Khanza's set_urut_no_rkm_medis.urutan).
_ORDER = {"Straight": (0, 1, 2), "Middle": (1, 0, 2), "Terminal": (2, 1, 0)}


@dataclass(frozen=True)
class NewPatient:
    nomorkartu: str
    nik: str
    nama: str
    jeniskelamin: str
    tanggallahir: date
    nohp: str
    alamat: str
    namaprop: str
    namadati2: str
    namakec: str
    namakel: str


def _pairs(text: str, order: tuple[int, int, int]) -> str:
    parts = [text[0:2], text[2:4], text[4:6]]
    return "".join(parts[i] for i in order)


def _unpairs(text: str, order: tuple[int, int, int]) -> str:
    parts = [""] * 3
    for position, i in enumerate(order):
        parts[i] = text[position * 2:position * 2 + 2]
    return "".join(parts)


@dataclass(frozen=True)
class NormFormat:
    order: tuple[int, int, int] = (0, 1, 2)
    tahun: bool = False
    bulan: bool = False
    depan: bool = True

    def serial(self, norm: str) -> int:
        digits = norm[-6:] if self.depan else norm[:6]
        plain = _unpairs(digits, self.order)
        return int(plain) if plain.isdigit() else 0

    def make(self, serial: int, today: date) -> str:
        body = _pairs(f"{serial:06d}", self.order)
        stamp = (f"{today:%y}" if self.tahun else "") + (f"{today:%m}" if self.bulan else "")
        if self.depan:
            return stamp + body
        return f"{body}-{stamp}" if stamp else body


def _format(row: dict[str, Any] | None) -> NormFormat:
    if not row:
        return NormFormat()
    return NormFormat(order=_ORDER.get(row["urutan"], (0, 1, 2)), tahun=row["tahun"] == "Yes",
                      bulan=row["bulan"] == "Yes", depan=row["posisi_tahun_bulan"] != "Belakang")


def _umur(born: date, today: date) -> str:
    """Khanza's pasien.umur text: "40 Th 3 Bl 12 Hr"."""
    months = (today.year - born.year) * 12 + today.month - born.month
    if today.day < born.day:
        months -= 1
    months = max(months, 0)
    year, month = born.year + (born.month - 1 + months) // 12, (born.month - 1 + months) % 12 + 1
    anchor = date(year, month, min(born.day, 28))
    return f"{months // 12} Th {months % 12} Bl {max((today - anchor).days, 0)} Hr"


async def _one(conn: aiomysql.Connection, sql: str, params: tuple[object, ...] = ()
               ) -> dict[str, Any] | None:
    async with conn.cursor(aiomysql.DictCursor) as cursor:
        await cursor.execute(sql, params)
        row = await cursor.fetchone()
    return None if row is None else dict(row)


async def _region(conn: aiomysql.Connection, table: str, name: str) -> int:
    row = await _one(conn, REGION_ID[table], (name,))
    if row is None:
        async with conn.cursor() as cursor:
            await cursor.execute(REGION_ADD[table], (name,))
        row = await _one(conn, REGION_ID[table], (name,))
    return int(row["id"]) if row else 1


async def register_patient(pool: aiomysql.Pool, p: NewPatient, now: datetime, kd_pj: str) -> str:
    """The new patient's no_rkm_medis, or ``Refused`` when the person is already known."""
    if p.tanggallahir > now.date():
        raise Refused("Tanggal lahir pasien salah", reason="tanggal lahir")

    async def work() -> str:
        last = await _one(conn, LAST_NORM_FOR_UPDATE)
        if await _one(conn, SAME_PERSON, (p.nomorkartu, p.nik)):
            raise Refused("Pasien dengan NIK dan No.Kartu tersebut sudah terdaftar",
                          reason="sudah terdaftar")
        fmt = _format(await _one(conn, NORM_FORMAT))
        regions = {t: await _region(conn, t, name) for t, name in (
            ("kelurahan", p.namakel), ("kecamatan", p.namakec), ("kabupaten", p.namadati2),
            ("propinsi", p.namaprop))}
        serial = fmt.serial(str(last["no_rkm_medis"])) + 1 if last else 1
        today = now.date()
        for candidate in range(serial, serial + _TRIES):
            norm = fmt.make(candidate, today)
            try:
                async with conn.cursor() as cursor:
                    await cursor.execute(INSERT_PATIENT, (
                        norm, p.nama, p.nik, p.jeniskelamin, p.tanggallahir, p.alamat, today,
                        p.nohp, _umur(p.tanggallahir, today), kd_pj, p.nomorkartu,
                        regions["kelurahan"], regions["kecamatan"], regions["kabupaten"],
                        p.alamat, p.namakel, p.namakec, p.namadati2, regions["propinsi"],
                        p.namaprop))
            except pymysql.err.IntegrityError as exc:
                if exc.args[0] != DUPLICATE_KEY:
                    raise
                logger.info("medical-record number taken meanwhile; trying the next")
                continue
            async with conn.cursor() as cursor:
                await cursor.execute(FORGET_LAST)
                await cursor.execute(REMEMBER_LAST, (norm,))
            return norm
        raise Refused("Maaf terjadi kesalahan, hubungi Administrator..", reason="no free norm")

    async with pool.acquire() as conn:
        return await in_transaction(conn, work)
