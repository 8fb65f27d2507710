"""The binlog change feed against the private MariaDB, which runs with the binlog on.

Rows are changed with ordinary committed statements, exactly as Khanza's forms
change them; the tests look at what the feed turned them into: the nudge, the
changes it recorded and the status document in Redis. Positions, restarts and
the daemon: ``test_binlog_position.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable

import aiomysql
import redis.asyncio as aioredis

from core import db
from core.keys import CHANGES_STATUS
from core.khanza.queries import ALL_QUERIES
from core.settings import DatabaseUrl
from producers.changes import WATCHED, Change, changes_in_rows
from sandbox.services import MariaDBServer

from .conftest import Running, execute, until

EACH_TABLE: list[tuple[tuple[str, ...], Change]] = [
    (("UPDATE reg_periksa SET stts = 'Sudah' WHERE no_rawat = '2025/01/15/000002'",),
     Change("reg_periksa", "visit", "2025/01/15/000002")),
    (("UPDATE referensi_mobilejkn_bpjs SET status = 'Checkin', validasi = "
      "'2025-01-15 09:01:00' WHERE nobooking = '20250115000003'",),
     Change("referensi_mobilejkn_bpjs", "booking", "20250115000003")),
    (("UPDATE referensi_mobilejkn_bpjs_batal SET statuskirim = 'Sudah' "
      "WHERE nobooking = '20250115000004'",),
     Change("referensi_mobilejkn_bpjs_batal", "booking", "20250115000004")),
    (("INSERT INTO referensi_mobilejkn_bpjs_taskid (no_rawat, taskid, waktu) "
      "VALUES ('2025/01/15/000002', '4', '2025-01-15 08:30:00')",),
     Change("referensi_mobilejkn_bpjs_taskid", "visit", "2025/01/15/000002")),
    (("UPDATE mutasi_berkas SET diterima = '2025-01-15 08:31:00' "
      "WHERE no_rawat = '2025/01/15/000001'",),
     Change("mutasi_berkas", "visit", "2025/01/15/000001")),
    (("DELETE FROM pemeriksaan_ralan WHERE no_rawat = '2025/01/15/000005'",),
     Change("pemeriksaan_ralan", "visit", "2025/01/15/000005")),
    (("UPDATE resep_obat SET tgl_penyerahan = '2025-01-15', jam_penyerahan = '09:30:00' "
      "WHERE no_resep = '202501150002'",),
     Change("resep_obat", "visit", "2025/01/15/000002")),
    (("UPDATE pasien SET no_tlp = '081100000003' WHERE no_rkm_medis = '000003'",),
     Change("pasien", "patient", "000003")),
    (("UPDATE maping_poli_bpjs SET nm_poli_bpjs = 'ANAK (POLI)' WHERE kd_poli_rs = 'ANA'",),
     Change("maping_poli_bpjs", "reference", "ANA")),
    (("UPDATE maping_dokter_dpjpvclaim SET nm_dokter_bpjs = 'dr. DUA' "
      "WHERE kd_dokter = 'D002'",),
     Change("maping_dokter_dpjpvclaim", "reference", "D002")),
    (("UPDATE jadwal SET kuota = 31 WHERE kd_dokter = 'D001'",),
     Change("jadwal", "reference", "D001")),
    (("CREATE TEMPORARY TABLE dokter_baru AS SELECT * FROM dokter WHERE kd_dokter = 'D001'",
      "UPDATE dokter_baru SET kd_dokter = 'D009'",
      "SET SESSION foreign_key_checks = 0",  # D009 is no pegawai; not what is tested here
      "INSERT INTO dokter SELECT * FROM dokter_baru",
      "SET SESSION foreign_key_checks = 1"),
     Change("dokter", "reference", "D009")),
    (("UPDATE kamar SET status = 'ISI' WHERE kd_kamar = 'MWR.01'",),
     Change("kamar", "beds", "MWR")),
    (("UPDATE bangsal SET nm_bangsal = 'RUANG MAWAR BARU' WHERE kd_bangsal = 'MWR'",),
     Change("bangsal", "beds", "MWR")),
    (("INSERT INTO resep_dokter_racikan (no_resep, no_racik, nama_racik, kd_racik, "
      "jml_dr, aturan_pakai, keterangan) VALUES ('202501150002', '9', 'CONTOH', 'R01', 1, "
      "'3x1', '-')",),
     Change("resep_dokter_racikan", "resep", "202501150002")),
]


def test_every_watched_table_is_exercised_here() -> None:
    assert {change.table for _, change in EACH_TABLE} == set(WATCHED)


async def test_a_commit_to_each_table_read_nudges_for_what_it_touched(
    feed_factory: Callable[[], Awaitable[Running]], khanza: aiomysql.Connection,
    redis: aioredis.Redis,
) -> None:
    running = await feed_factory()
    feed = running.feed
    for statements, expected in EACH_TABLE:
        feed.nudge.clear()
        before = len(feed.recent)
        await execute(khanza, *statements)
        await until(f"nudge for {expected}", feed.nudge.is_set)
        await until(f"{expected} recorded", lambda b=before: len(feed.recent) > b)
        assert list(feed.recent)[before:] == [expected]
    assert feed.nudges == len(EACH_TABLE)
    await until("status published", lambda: feed._dirty is False)
    status = json.loads(await redis.get(CHANGES_STATUS))
    assert status["source"] == "binlog" and status["connected"] is True
    assert status["nudging"] == {change.table: 1 for _, change in EACH_TABLE}
    assert status["position"] == feed.seen and status["lag"] is not None


async def test_an_update_of_columns_the_producer_never_reads_nudges_nobody(
    feed_factory: Callable[[], Awaitable[Running]], khanza: aiomysql.Connection,
) -> None:
    running = await feed_factory()
    feed = running.feed
    await execute(
        khanza,
        "UPDATE reg_periksa SET biaya_reg = 20000 WHERE no_rawat = '2025/01/15/000001'",
        "UPDATE pasien SET nm_ibu = 'IBU LAIN' WHERE no_rkm_medis = '000001'",
        "UPDATE pemeriksaan_ralan SET suhu_tubuh = '37.0' WHERE no_rawat = '2025/01/15/000001'",
        "UPDATE poliklinik SET nm_poli = 'POLI LAIN' WHERE kd_poli = 'INT'",
        # Written again with the same values: a row event, but nothing changed.
        "UPDATE kamar SET status = status WHERE kd_bangsal = 'MWR'",
    )
    sentinel = Change("kamar", "beds", "MLT")
    await execute(khanza, "UPDATE kamar SET status = 'KOSONG' WHERE kd_kamar = 'MLT.01'")
    await until("the sentinel change", lambda: sentinel in feed.recent)
    assert list(feed.recent) == [sentinel]
    assert feed.nudges == 1
    # The irrelevant rows were seen (counted per table), just not acted on.
    assert feed.rows.get("reg_periksa") == 1 and feed.rows.get("pemeriksaan_ralan") == 1


def test_an_update_moving_a_row_to_another_visit_touches_both() -> None:
    row = {"before_values": {"no_rawat": "2025/01/15/000001", "dikirim": None},
           "after_values": {"no_rawat": "2025/01/15/000002", "dikirim": None}}
    assert changes_in_rows("mutasi_berkas", "update", [row]) == [
        Change("mutasi_berkas", "visit", "2025/01/15/000001"),
        Change("mutasi_berkas", "visit", "2025/01/15/000002"),
    ]
    assert changes_in_rows("poliklinik", "write", [{"values": {"kd_poli": "INT"}}]) == []


def test_the_watched_columns_cover_every_column_the_producer_queries_read() -> None:
    from core.khanza.beds import WARD_COUNTS

    missing = []
    for name, sql in {**ALL_QUERIES, "ward_counts": WARD_COUNTS}.items():
        if name.startswith("wsrs_"):
            continue  # the WS RS answers BPJS from these; no producer cycle reads them
        aliases = {a: t for t, a in re.findall(r"(?:FROM|JOIN)\s+(\w+)\s+(\w+)\b", sql)
                   if a.upper() not in ("WHERE", "LEFT", "JOIN", "ON", "GROUP")}
        for alias, column in re.findall(r"\b(\w+)\.(\w+)\b", sql):
            table = aliases.get(alias)
            if table and table != "information_schema" and column not in WATCHED[table].columns:
                missing.append(f"{name}: {table}.{column}")
        single = re.match(r"SELECT\s+(?:DISTINCT\s+)?([\w\s,]+?)\s+FROM\s+(\w+)\s", sql)
        if single and single.group(2) in WATCHED:
            for column in (c.strip() for c in single.group(1).split(",")):
                if column not in WATCHED[single.group(2)].columns:
                    missing.append(f"{name}: {single.group(2)}.{column}")
    assert not missing


async def test_watched_columns_exist_in_the_khanza_schema(
    mariadb_server: MariaDBServer, khanza_db: str,
) -> None:
    connection = await db.connect(DatabaseUrl.parse(mariadb_server.url(khanza_db)),
                                  setting="khanza")
    try:
        async with connection.cursor() as cursor:
            await cursor.execute("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS"
                                 " WHERE TABLE_SCHEMA = DATABASE()")
            present = {(str(t), str(c)) for t, c in await cursor.fetchall()}
    finally:
        connection.close()
    absent = [f"{w.table}.{c}" for w in WATCHED.values() for c in w.columns
              if w.table != "resep_dokter_racikan" and (w.table, c) not in present]
    assert not absent
