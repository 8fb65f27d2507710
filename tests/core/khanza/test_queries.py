"""Every Khanza query runs on the real upstream tables and reaches big tables by a key.

Drift: each statement of ``ALL_QUERIES`` is executed against the upstream
definitions (``../shared/khanza``). Cost: EXPLAIN on our fixture, after a
year of fake history is added so the optimizer faces a table that is big
compared with the window, as at a hospital; no big table may be read whole.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from types import ModuleType

import aiomysql
import pytest

from core.khanza import antrean, beds, bookings, farmasi, mapping, operasi, sep, tasks
from core.khanza.queries import ALL_QUERIES, BIG_TABLES, OPTIONAL_TABLES, executable
from core.khanza.tasks import fetch_all
from sandbox.services import MariaDBServer

Connect = Callable[[str], Awaitable[aiomysql.Connection]]  # the connect_to fixture


KEYED = {"system", "const", "eq_ref", "ref", "range"}
SQL_WORDS = {"WHERE", "LEFT", "JOIN", "ON", "GROUP", "ORDER", "INNER"}

# 366 days of 2024 x 4 visits: two Mobile JKN bookings (one cancelled), two
# on-site, each with file movement, a SOAP note and a prescription.
HISTORY = r"""
INSERT INTO reg_periksa (no_reg, no_rawat, tgl_registrasi, jam_reg, kd_dokter, no_rkm_medis,
  kd_poli, p_jawab, almt_pj, hubunganpj, biaya_reg, stts, stts_daftar, status_lanjut, kd_pj,
  umurdaftar, sttsumur, status_bayar, status_poli)
SELECT LPAD(n, 3, '0'), CONCAT(DATE_FORMAT(d, '%Y/%m/%d/'), LPAD(n, 6, '0')), d, '08:00:00',
  'D001', IF(n = 4, '000003', '000001'), 'INT', '-', '-', '-', 0, 'Sudah', 'Lama', 'Ralan',
  IF(n = 4, 'A09', 'BPJ'), 40, 'Th', 'Sudah Bayar', 'Lama'
FROM (SELECT DATE '2024-01-01' + INTERVAL (seq DIV 4) DAY AS d, seq MOD 4 + 1 AS n
      FROM seq_0_to_1463) v;

INSERT INTO referensi_mobilejkn_bpjs (nobooking, no_rawat, nomorkartu, nik, nohp, kodepoli,
  pasienbaru, norm, tanggalperiksa, kodedokter, jampraktek, jeniskunjungan, nomorreferensi,
  nomorantrean, angkaantrean, estimasidilayani, sisakuotajkn, kuotajkn, sisakuotanonjkn,
  kuotanonjkn, status, validasi, statuskirim)
SELECT CONCAT(DATE_FORMAT(tgl_registrasi, '%Y%m%d'), LPAD(no_reg, 6, '0')), no_rawat,
  '0000000000001', '0000000000000001', '080000000101', 'INT', '0', no_rkm_medis,
  tgl_registrasi, '99901', '08:00-12:00', '1 (Rujukan FKTP)', '-', CONCAT('INT-', no_reg),
  no_reg, '0', 0, 30, 0, 30, 'Checkin', CONCAT(tgl_registrasi, ' 07:40:00'), 'Sudah'
FROM reg_periksa WHERE no_rawat < '2025/' AND no_reg IN ('001', '002');

INSERT INTO referensi_mobilejkn_bpjs_batal (no_rkm_medis, no_rawat_batal, nomorreferensi,
  tanggalbatal, keterangan, statuskirim, nobooking)
SELECT norm, no_rawat, '-', CONCAT(tanggalperiksa, ' 07:00:00'), '-', 'Sudah', nobooking
FROM referensi_mobilejkn_bpjs WHERE no_rawat < '2025/' AND angkaantrean = '002';

INSERT INTO mutasi_berkas (no_rawat, status, dikirim, diterima, kembali, tidakada, ranap)
SELECT no_rawat, 'Sudah Kembali', CONCAT(tgl_registrasi, ' 07:50:00'),
  CONCAT(tgl_registrasi, ' 08:05:00'), NULL, NULL, CONCAT(tgl_registrasi, ' 07:50:00')
FROM reg_periksa WHERE no_rawat < '2025/';

INSERT INTO pemeriksaan_ralan (no_rawat, tgl_perawatan, jam_rawat, tensi, spo2, kesadaran,
  rtl, penilaian, instruksi, evaluasi, nip)
SELECT no_rawat, tgl_registrasi, '08:10:00', '120/80', '98', 'Compos Mentis', '-', '-', '-',
  '-', 'D001'
FROM reg_periksa WHERE no_rawat < '2025/';

INSERT INTO resep_obat (no_resep, tgl_perawatan, jam, no_rawat, kd_dokter, tgl_peresepan,
  jam_peresepan, status, tgl_penyerahan, jam_penyerahan)
SELECT CONCAT(DATE_FORMAT(tgl_registrasi, '%Y%m%d'), LPAD(no_reg, 4, '0')), tgl_registrasi,
  '08:40:00', no_rawat, 'D001', tgl_registrasi, '08:20:00', 'ralan', tgl_registrasi, '08:55:00'
FROM reg_periksa WHERE no_rawat < '2025/';

ANALYZE TABLE reg_periksa, referensi_mobilejkn_bpjs, referensi_mobilejkn_bpjs_batal,
  mutasi_berkas, pemeriksaan_ralan, resep_obat;
"""


def aliases(sql: str) -> dict[str, str]:
    """alias (or table name) -> table, as EXPLAIN names them."""
    found: dict[str, str] = {}
    for table, alias in re.findall(r"\b(?:FROM|JOIN)\s+([\w.]+)(?:\s+(\w+))?", sql):
        table = table.split(".")[-1]
        found[table] = table
        if alias and alias.upper() not in SQL_WORDS:
            found[alias] = table
    return found


def test_registry_lists_every_statement_and_all_are_read_only() -> None:
    modules: list[ModuleType] = [bookings, tasks, beds, antrean, farmasi, sep, mapping,
                                operasi]
    constants = {
        value for module in modules for name, value in vars(module).items()
        if name.isupper() and not name.startswith("_") and isinstance(value, str)
        and value.lstrip().upper().startswith("SELECT")
    }
    assert constants == set(ALL_QUERIES.values())
    for name, sql in ALL_QUERIES.items():
        assert sql.lstrip().upper().startswith("SELECT"), name
        assert not re.search(r"\b(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|LOCK)\b",
                             sql, re.IGNORECASE), name


async def test_every_query_runs_on_the_upstream_definitions(
    upstream_khanza_db: str, connect_to: Connect
) -> None:
    conn = await connect_to(upstream_khanza_db)
    present = {row["TABLE_NAME"] for row in await fetch_all(
        conn, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
        ())}
    ran = 0
    for name in ALL_QUERIES:
        if OPTIONAL_TABLES.get(name, "") not in present | {""}:
            continue  # guarded by an existence check in the code
        sql, params = executable(name)
        await fetch_all(conn, sql, params)  # raises on an unknown table or column
        ran += 1
    assert ran >= len(ALL_QUERIES) - len(OPTIONAL_TABLES)


@pytest.fixture
def khanza_with_history(mariadb_server: MariaDBServer, fresh_khanza_db: str) -> str:
    mariadb_server.sql(HISTORY, fresh_khanza_db)
    return fresh_khanza_db


async def test_explain_uses_a_key_on_every_big_table(
    khanza_with_history: str, connect_to: Connect, mariadb_server: MariaDBServer
) -> None:
    mariadb_server.sql("""
        INSERT INTO resep_dokter_racikan (no_resep, no_racik, nama_racik, kd_racik, jml_dr,
          aturan_pakai, keterangan)
          SELECT no_resep, '1', '-', '-', 1, '-', '-' FROM resep_obat WHERE no_resep < '2025';
        ANALYZE TABLE resep_dokter_racikan;""", khanza_with_history)
    conn = await connect_to(khanza_with_history)
    assert (await fetch_all(conn, "SELECT COUNT(*) AS n FROM reg_periksa", ()))[0]["n"] > 1000
    checked: set[str] = set()
    for name in ALL_QUERIES:
        sql, params = executable(name)
        tables = aliases(sql)
        for row in await fetch_all(conn, "EXPLAIN " + sql, params):
            table = tables.get(row["table"], row["table"])
            if table in BIG_TABLES:
                assert row["type"] in KEYED, f"{name}: {table} read by {row['type']}"
                checked.add(table)
    assert checked == BIG_TABLES - {"kamar_inap"}  # nothing here reads kamar_inap
