"""The WS RS's own statements: they run on the real upstream definitions, and its locking
reads reach reg_periksa through a key (a full scan FOR UPDATE would lock the whole table).
"""

from __future__ import annotations

import re
from datetime import date, time
from types import ModuleType

import aiomysql

from core.db import connect
from core.khanza.writes import checkin, patients, registration, schedule, tx, writeback
from core.settings import DatabaseUrl
from sandbox.services import MariaDBServer

DAY = date(2025, 1, 15)
READS: dict[str, tuple[str, tuple[object, ...]]] = {
    "schedule": (schedule.SCHEDULE, ("99901", "INT", "RABU", time(8), time(12))),
    "lock_doctor": (schedule.LOCK_DOCTOR, ("D001",)),
    "doctor_known": (schedule.DOCTOR_KNOWN, ("99901",)),
    "poli_known": (schedule.POLI_KNOWN, ("INT",)),
    "patient_by_kartu": (registration.PATIENT_BY_KARTU, ("0000000000001",)),
    "patient_by_nik": (registration.PATIENT_BY_NIK, ("0000000000000001",)),
    "patient_history": (registration.PATIENT_HISTORY, ("INT", "INT", "D001", DAY, "000001",
                                                       "R1", "000001")),
    "lock_doctor_day": (registration.LOCK_DOCTOR_DAY, ("INT", "D001", "2025/01/15/",
                                                       "2025/01/16/", DAY)),
    "last_keys": (registration.LAST_KEYS, ("2025/01/15/", "2025/01/16/", "20250115000000",
                                           "20250115999999")),
    "booking_for_update": (checkin.BOOKING_FOR_UPDATE, ("20250115000001",)),
    "last_norm": (patients.LAST_NORM_FOR_UPDATE, ()),
    "norm_format": (patients.NORM_FORMAT, ()),
    "same_person": (patients.SAME_PERSON, ("0000000000001", "0000000000000001")),
    **{f"region_{table}": (sql, ("KELURAHAN CONTOH",))
       for table, sql in patients.REGION_ID.items()},
}
BIG = {"reg_periksa", "referensi_mobilejkn_bpjs", "pasien"}
KEYED = {"system", "const", "eq_ref", "ref", "range", "index_merge"}

HISTORY = r"""
INSERT INTO reg_periksa (no_reg, no_rawat, tgl_registrasi, jam_reg, kd_dokter, no_rkm_medis,
  kd_poli, p_jawab, almt_pj, hubunganpj, biaya_reg, stts, stts_daftar, status_lanjut, kd_pj,
  umurdaftar, sttsumur, status_bayar, status_poli)
SELECT LPAD(n, 3, '0'), CONCAT(DATE_FORMAT(d, '%Y/%m/%d/'), LPAD(n, 6, '0')), d, '08:00:00',
  IF(n < 3, 'D001', 'D002'), '000003', 'INT', '-', '-', '-', 0, 'Sudah', 'Lama', 'Ralan',
  'BPJ', 40, 'Th', 'Sudah Bayar', 'Lama'
FROM (SELECT DATE '2024-01-01' + INTERVAL (seq DIV 4) DAY AS d, seq MOD 4 + 1 AS n
      FROM seq_0_to_1463) v;
ANALYZE TABLE reg_periksa;
"""


async def run_all(url: DatabaseUrl, explain: bool) -> dict[str, list[dict[str, object]]]:
    conn = await connect(url, setting="test")
    plans = {}
    try:
        await conn.begin()
        for name, (sql, params) in READS.items():
            async with conn.cursor(aiomysql.DictCursor) as cursor:
                await cursor.execute(("EXPLAIN " if explain else "") + sql, params)
                plans[name] = list(await cursor.fetchall())
        await conn.rollback()
    finally:
        conn.close()
    return plans


def statements(module: ModuleType) -> dict[str, str]:
    """Every SQL constant of a writer module, dict-valued ones (REGION_ID) included."""
    found: dict[str, str] = {}
    for name, value in vars(module).items():
        if not name.isupper() or name.startswith("_"):
            continue
        items = value.items() if isinstance(value, dict) else [("", value)]
        for key, sql in items:
            if isinstance(sql, str) and re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|SET)\b", sql,
                                                 re.IGNORECASE):
                found[f"{module.__name__}.{name}{'.' + key if key else ''}"] = sql
    return found


def test_every_read_of_the_writers_is_checked_here() -> None:
    """A new SELECT in core/khanza/writes must join READS (run on upstream, EXPLAINed);
    the rest are writes, exercised by the endpoint tests on the fixture (upstream tables)."""
    checked = {sql for sql, _ in READS.values()}
    for module in (checkin, patients, registration, schedule, tx, writeback):
        for name, sql in statements(module).items():
            if sql.lstrip().upper().startswith("SELECT"):
                assert sql in checked, f"{name} is not in READS"
            else:
                assert re.match(r"\s*(INSERT|UPDATE|DELETE|SET SESSION)\b", sql, re.I), name


async def test_every_statement_runs_on_upstream(mariadb_server: MariaDBServer,
                                                upstream_khanza_db: str) -> None:
    await run_all(DatabaseUrl.parse(mariadb_server.url(upstream_khanza_db)), explain=False)


async def test_locking_reads_use_a_key(mariadb_server: MariaDBServer,
                                       fresh_khanza_db: str) -> None:
    mariadb_server.sql(HISTORY, fresh_khanza_db)
    plans = await run_all(DatabaseUrl.parse(mariadb_server.url(fresh_khanza_db)),
                          explain=True)
    for name, rows in plans.items():
        for row in rows:
            if row["table"] in BIG or row["table"] in ("r", "rp"):
                assert row["type"] in KEYED, f"{name}: {row['table']} read by {row['type']}"
    [lock] = plans["lock_doctor_day"]
    # The day of one doctor, not the doctor's history: a range on (kd_dokter, no_rawat).
    assert (lock["key"], lock["type"]) == ("kd_dokter", "range")
    assert int(str(lock["rows"])) < 50
