"""Benchmark the producer's cost on the hospital database: today's activity, not history.

DESIGN.md principle 6 says a producer cycle must cost what today's activity
costs, whatever the size of Khanza's history. This measures it in one run on
a private MariaDB + Redis (``sandbox.services``):

1. *small*: the sample day (``sandbox/khanza/sample-data.sql``) plus "today"
   with ``--today-visits`` visits (``sandbox.generate``: half on-site, half
   Mobile JKN; mutasi_berkas, pemeriksaan_ralan, resep_obat for half, and
   Khanza's own task ledger for a third of the bookings);
2. *large*: the same in a second database on the same server, plus
   ``--history`` registrations spread over ``--years`` years of earlier days,
   with their related rows in the same proportions, loaded with ``INSERT ...
   SELECT`` from the Sequence engine (foreign-key and unique checks off in
   that session, ANALYZE TABLE after).

``Producer.cycle(today=...)`` is run ``--runs`` times on each, alternating
between the two so that the machine's other load weighs on both alike, against
a real Redis queue flushed before every run so each run enqueues the same jobs.
The median time is reported with the rows MariaDB read for it: the session's
``Handler_read_%`` counters on the producer's only Khanza connection (a pool of
size 1), before and after. ``load_window`` alone and the two ledger reads are
timed separately. Finally every statement of ``core.khanza.queries`` is
run through MariaDB's ``ANALYZE`` on the large database (plan and actual rows).

Run from the repository root (needs ``redis-server`` and ``mariadbd``)::

    .venv/bin/python bench/bench_producer.py --out bench/reports/producer.md
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiomysql

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core import db  # noqa: E402
from core.khanza.bookings import load_window, no_rawat_range  # noqa: E402
from core.khanza.options import khanza_options  # noqa: E402
from core.khanza.queries import (  # noqa: E402
    ALL_QUERIES,
    BIG_TABLES,
    OPTIONAL_TABLES,
    executable,
)
from core.khanza.tasks import fetch_all  # noqa: E402
from core.queue import open_queue  # noqa: E402
from core.settings import DatabaseUrl, Settings  # noqa: E402
from core.state.ledger import Ledger  # noqa: E402
from core.state.migrate import migrate  # noqa: E402
from core.state.stores import Stores  # noqa: E402
from producers.loop import Producer  # noqa: E402
from sandbox.generate import add_visits, plan_visits  # noqa: E402
from sandbox.services import MariaDBServer, RedisServer  # noqa: E402

TODAY = date(2025, 2, 5)  # a Wednesday (the sample's jadwal is RABU); the sample day is 01-15
SAMPLE_DAY = date(2025, 1, 15)
# Days the fixture registers visits on (numbered from 000001): history numbers them from 101.
FIXTURE_DAYS = (date(2025, 1, 8), SAMPLE_DAY)
TARGET_RATIO = 1.5
TABLES = ("pasien", "reg_periksa", "referensi_mobilejkn_bpjs", "referensi_mobilejkn_bpjs_batal",
          "referensi_mobilejkn_bpjs_taskid", "mutasi_berkas", "pemeriksaan_ralan", "resep_obat")


# --- today: generated visits (sandbox.generate) plus some of Khanza's own task ledger ---------


async def load_today(conn: aiomysql.Connection, visits: int) -> int:
    half = visits // 2
    await add_visits(conn, TODAY, half, kind="onsite", resep_every=2)
    await add_visits(conn, TODAY, visits - half, kind="mobile_jkn", start_no=half + 1,
                     resep_every=2)
    # Khanza's sender already sent tasks 3 and 4 of every third booking.
    mobile = plan_visits(TODAY, visits - half, kind="mobile_jkn", start_no=half + 1,
                         resep_every=2)
    rows = [(v.no_rawat, str(t), v.tasks[t]) for v in mobile if v.no % 3 == 0 for t in (3, 4)]
    async with conn.cursor() as cursor:
        await cursor.executemany("INSERT INTO referensi_mobilejkn_bpjs_taskid (no_rawat, taskid,"
                                 " waktu) VALUES (%s, %s, %s)", rows)
    return len(rows)


# --- history: INSERT ... SELECT from the Sequence engine ---------------------------------------
# A staging table in another database numbers the visits once (day, number, times); every
# Khanza table is then one INSERT ... SELECT from it, in primary-key order. Statements carry
# no parameters (only integers and dates formatted in here), so '%' needs no escaping.


def history_sql(total: int, days: int, last: date, patients: int) -> list[tuple[str, str]]:
    per_day = math.ceil(total / days)
    first = last - timedelta(days=days - 1)
    step = 15 * 3600 // per_day  # first task times spread over 06:30-21:30, as generate does
    hist = "bench.hist"
    fixture_days = ", ".join(f"DATE '{day}'" for day in FIXTURE_DAYS)
    return [
        ("staging", f"""CREATE TABLE {hist} (
  n INT NOT NULL PRIMARY KEY, d DATE NOT NULL, k INT NOT NULL, no_rawat VARCHAR(17) NOT NULL,
  code VARCHAR(14) NOT NULL, rm VARCHAR(15) NOT NULL, dokter VARCHAR(20) NOT NULL,
  poli CHAR(5) NOT NULL, mobile TINYINT NOT NULL, resep TINYINT NOT NULL, batal TINYINT NOT NULL,
  t3 DATETIME NOT NULL, t4 DATETIME NOT NULL, t5 DATETIME NOT NULL, tp DATETIME NOT NULL,
  t6 DATETIME NOT NULL, t7 DATETIME NOT NULL) ENGINE=InnoDB"""),
        ("staging", f"""INSERT INTO {hist}
SELECT n, d, k, CONCAT(DATE_FORMAT(d, '%Y/%m/%d/'), LPAD(k, 6, '0')),
       CONCAT(DATE_FORMAT(d, '%Y%m%d'), LPAD(k, 6, '0')),
       LPAD(300000 + (n * 7919) MOD {patients}, 6, '0'),
       IF(n MOD 2 = 0, 'D001', 'D002'), IF(n MOD 2 = 0, 'INT', 'ANA'),
       n MOD 2, (n DIV 2) MOD 2 = 0, n MOD 100 = 1,
       d + INTERVAL s3 SECOND, d + INTERVAL s4 SECOND, d + INTERVAL s5 SECOND,
       d + INTERVAL sp SECOND, d + INTERVAL s6 SECOND, d + INTERVAL s7 SECOND
FROM (SELECT n, d, k, s3, s3 + a AS s4, s3 + a + b AS s5, s3 + a + b + c AS sp,
             s3 + a + b + c + e AS s6, s3 + a + b + c + e + f AS s7
      FROM (SELECT seq AS n, DATE '{first}' + INTERVAL seq DIV {per_day} DAY AS d,
                   seq MOD {per_day} + 1 + IF(DATE '{first}' + INTERVAL seq DIV {per_day} DAY
                                              IN ({fixture_days}), 100, 0) AS k,
                   23400 + (seq MOD {per_day}) * {step} AS s3,
                   60 + (seq * 7) MOD 1140 AS a, 60 + (seq * 13) MOD 840 AS b,
                   30 + seq MOD 270 AS c, 60 + (seq * 11) MOD 840 AS e,
                   60 + (seq * 17) MOD 840 AS f
            FROM seq_0_to_{total - 1}) s0) s1"""),  # noqa: S608
        ("pasien", f"""INSERT INTO pasien (no_rkm_medis, nm_pasien, no_ktp, jk, tmp_lahir,
  tgl_lahir, nm_ibu, alamat, gol_darah, pekerjaan, stts_nikah, agama, tgl_daftar, no_tlp, umur,
  pnd, keluarga, namakeluarga, kd_pj, no_peserta, kd_kel, kd_kec, kd_kab, pekerjaanpj,
  alamatpj, kelurahanpj, kecamatanpj, kabupatenpj, perusahaan_pasien, suku_bangsa,
  bahasa_pasien, cacat_fisik, email, nip, kd_prop, propinsipj)
SELECT LPAD(300000 + seq, 6, '0'), CONCAT('PASIEN RIWAYAT ', seq),
       CONCAT('001', LPAD(seq, 13, '0')), IF(seq MOD 2, 'L', 'P'), 'KOTA CONTOH',
       DATE '1940-01-01' + INTERVAL seq MOD 29000 DAY, 'IBU CONTOH', 'JL. CONTOH', '-', '-',
       'MENIKAH', 'ISLAM', DATE '{first}', CONCAT('0801', LPAD(seq, 8, '0')), '40 Th', 'SMA',
       'DIRI SENDIRI', 'KELUARGA CONTOH', IF(seq MOD 2, 'BPJ', 'A09'),
       CONCAT('001', LPAD(seq, 10, '0')), 2, 2, 2, '-', 'JL. CONTOH', 'KELURAHAN CONTOH',
       'KECAMATAN CONTOH', 'KABUPATEN CONTOH', '-', 1, 1, 1, '-', '-', 2, 'PROPINSI CONTOH'
FROM seq_0_to_{patients - 1}"""),  # noqa: S608
        ("reg_periksa", f"""INSERT INTO reg_periksa (no_reg, no_rawat, tgl_registrasi,
  jam_reg, kd_dokter, no_rkm_medis, kd_poli, p_jawab, almt_pj, hubunganpj, biaya_reg, stts,
  stts_daftar, status_lanjut, kd_pj, umurdaftar, sttsumur, status_bayar, status_poli)
SELECT LPAD(k DIV 2 + 1, 3, '0'), no_rawat, d, TIME(t3 - INTERVAL 10 MINUTE), dokter, rm,
       poli, 'KELUARGA CONTOH', 'JL. CONTOH', 'DIRI SENDIRI', 10000,
       IF(batal, 'Batal', 'Sudah'), 'Lama', 'Ralan', IF(mobile, 'BPJ', 'A09'), 40, 'Th',
       'Sudah Bayar', 'Lama'
FROM {hist} ORDER BY n"""),  # noqa: S608
        ("referensi_mobilejkn_bpjs", f"""INSERT INTO referensi_mobilejkn_bpjs (nobooking,
  no_rawat, nomorkartu, nik, nohp, kodepoli, pasienbaru, norm, tanggalperiksa, kodedokter,
  jampraktek, jeniskunjungan, nomorreferensi, nomorantrean, angkaantrean, estimasidilayani,
  sisakuotajkn, kuotajkn, sisakuotanonjkn, kuotanonjkn, status, validasi, statuskirim)
SELECT code, no_rawat, CONCAT('001', LPAD(rm, 10, '0')), CONCAT('001', LPAD(rm, 13, '0')),
       CONCAT('0801', LPAD(rm, 8, '0')), poli, '0', rm, d,
       IF(dokter = 'D001', '99901', '99902'), IF(dokter = 'D001', '08:00-12:00', '09:00-13:00'),
       IF(n MOD 3, '1 (Rujukan FKTP)', '3 (Kontrol)'),
       CONCAT('0000R001', DATE_FORMAT(d, '%m%y'), 'K', LPAD(k, 6, '0')),
       CONCAT(poli, '-', LPAD(k DIV 2 + 1, 3, '0')), k DIV 2 + 1,
       CAST(UNIX_TIMESTAMP(t3) * 1000 AS CHAR), 10, 30, 10, 30,
       IF(batal, 'Batal', 'Checkin'), t3 - INTERVAL 10 MINUTE, 'Sudah'
FROM {hist} WHERE mobile ORDER BY n"""),  # noqa: S608
        ("referensi_mobilejkn_bpjs_batal", f"""INSERT INTO referensi_mobilejkn_bpjs_batal
  (no_rkm_medis, no_rawat_batal, nomorreferensi, tanggalbatal, keterangan, statuskirim,
   nobooking)
SELECT rm, no_rawat, CONCAT('0000R001', DATE_FORMAT(d, '%m%y'), 'K', LPAD(k, 6, '0')),
       t3 - INTERVAL 5 MINUTE, 'Dibatalkan pasien (riwayat)', 'Sudah', code
FROM {hist} WHERE mobile AND batal ORDER BY code"""),  # noqa: S608
        ("referensi_mobilejkn_bpjs_taskid", f"""INSERT INTO referensi_mobilejkn_bpjs_taskid
  (no_rawat, taskid, waktu)
SELECT STRAIGHT_JOIN h.no_rawat, t.id,
       CASE t.id WHEN '3' THEN h.t3 WHEN '4' THEN h.t4 WHEN '5' THEN h.t5 WHEN '6' THEN h.t6
                 ELSE h.t7 END
FROM {hist} h
JOIN (SELECT '3' AS id UNION ALL SELECT '4' UNION ALL SELECT '5' UNION ALL SELECT '6'
      UNION ALL SELECT '7') t ON t.id <= '5' OR h.resep
WHERE h.mobile AND NOT h.batal"""),  # noqa: S608
        ("mutasi_berkas", f"""INSERT INTO mutasi_berkas (no_rawat, status, dikirim, diterima,
  kembali, tidakada, ranap)
SELECT no_rawat, 'Sudah Kembali', t3, t4, t5 + INTERVAL 30 MINUTE, '0000-00-00 00:00:00',
       '0000-00-00 00:00:00'
FROM {hist} ORDER BY n"""),  # noqa: S608
        ("pemeriksaan_ralan", f"""INSERT INTO pemeriksaan_ralan (no_rawat, tgl_perawatan,
  jam_rawat, suhu_tubuh, tensi, nadi, respirasi, tinggi, berat, spo2, gcs, kesadaran, keluhan,
  pemeriksaan, alergi, lingkar_perut, rtl, penilaian, instruksi, evaluasi, nip)
SELECT no_rawat, DATE(t5), TIME(t5), '36.8', '120/80', '80', '18', '165', '60', '98', '15',
       'Compos Mentis', REPEAT('keluhan riwayat ', 6), REPEAT('pemeriksaan riwayat ', 6), '-',
       '-', 'Kontrol', REPEAT('penilaian riwayat ', 3), 'Instruksi riwayat', '-', dokter
FROM {hist} ORDER BY n"""),  # noqa: S608
        ("resep_obat", f"""INSERT INTO resep_obat (no_resep, tgl_perawatan, jam, no_rawat,
  kd_dokter, tgl_peresepan, jam_peresepan, status, tgl_penyerahan, jam_penyerahan)
SELECT code, DATE(t6), TIME(t6), no_rawat, dokter, DATE(tp), TIME(tp), 'ralan', DATE(t7),
       TIME(t7)
FROM {hist} WHERE resep ORDER BY n"""),  # noqa: S608
        ("analyze", "ANALYZE TABLE " + ", ".join(TABLES)),
        ("staging", f"DROP TABLE {hist}"),
    ]


async def load_history(conn: aiomysql.Connection, total: int, years: int,
                       patients: int) -> dict[str, float]:
    """Seconds per table; history ends the day before the producer's window starts."""
    days = round(years * 365.25)
    last = TODAY - timedelta(days=2)  # window = TODAY-1 .. TODAY+7
    seconds: dict[str, float] = {}
    async with conn.cursor() as cursor:
        await cursor.execute("SET SESSION foreign_key_checks = 0, unique_checks = 0, "
                             "sql_mode = 'NO_AUTO_VALUE_ON_ZERO'")
        for name, sql in history_sql(total, days, last, patients):
            started = time.perf_counter()
            await cursor.execute(sql)
            if sql.startswith("ANALYZE"):
                await cursor.fetchall()
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
            print(f"  history {name}: {seconds[name]:.1f} s", flush=True)
        await cursor.execute("SET SESSION foreign_key_checks = 1, unique_checks = 1")
    return seconds


# --- measuring ---------------------------------------------------------------------------------


async def handler_reads(conn: aiomysql.Connection) -> dict[str, int]:
    async with conn.cursor() as cursor:
        await cursor.execute("SHOW SESSION STATUS LIKE 'Handler_read%'")
        return {str(name): int(value) for name, value in await cursor.fetchall()}


def delta(after: dict[str, int], before: dict[str, int], overhead: dict[str, int]
          ) -> dict[str, int]:
    return {k: after[k] - before[k] - overhead.get(k, 0) for k in after}


@dataclass
class Phase:
    name: str
    cycle_s: list[float] = field(default_factory=list)
    window_s: list[float] = field(default_factory=list)
    ledger_s: list[float] = field(default_factory=list)
    cycle_reads: list[dict[str, int]] = field(default_factory=list)
    window_reads: list[dict[str, int]] = field(default_factory=list)
    visits: int = 0
    enqueued: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    size_mb: float = 0.0

    @staticmethod
    def median_reads(samples: list[dict[str, int]]) -> dict[str, int]:
        return {k: int(statistics.median(s[k] for s in samples)) for k in samples[0]}


class Probe:
    """One Khanza database, measured through its own producer. The producer's pool has a
    single connection, so every Khanza query of a cycle runs on it and that session's
    counters are exactly the cycle's reads."""

    def __init__(self, phase: Phase, settings: Settings) -> None:
        self.phase, self.settings = phase, settings
        self.options = khanza_options(settings)

    async def open(self) -> None:
        url = self.settings.khanza_db_url
        self.khanza = await db.create_pool(url, setting="khanza", minsize=1, maxsize=1)
        self.state = await db.create_pool(self.settings.state_db_url, setting="state")
        self.queue = await open_queue(self.settings.redis_url)
        self.solo = await db.connect(url, setting="khanza")
        self.ledger = Ledger(self.state)
        self.producer = Producer(khanza=self.khanza, queue=self.queue,
                                 stores=Stores.over(self.state), options=self.options)
        async with self.khanza.acquire() as conn:
            first, again = await handler_reads(conn), await handler_reads(conn)
            self.conn_id = await self._connection_id(conn)
        self.overhead = {k: again[k] - first[k] for k in first}
        first, again = await handler_reads(self.solo), await handler_reads(self.solo)
        self.solo_overhead = {k: again[k] - first[k] for k in first}
        await self.queue.flushdb()
        await self.producer.cycle(today=TODAY)  # warm-up: caches, buffer pool, racikan lookup

    @staticmethod
    async def _connection_id(conn: aiomysql.Connection) -> int:
        return int((await fetch_all(conn, "SELECT CONNECTION_ID() AS id", ()))[0]["id"])

    async def once(self) -> None:
        phase = self.phase
        await self.queue.flushdb()
        async with self.khanza.acquire() as conn:
            before = await handler_reads(conn)
        started = time.perf_counter()
        report = await self.producer.cycle(today=TODAY)
        phase.cycle_s.append(time.perf_counter() - started)
        async with self.khanza.acquire() as conn:
            after = await handler_reads(conn)
            if await self._connection_id(conn) != self.conn_id:
                raise RuntimeError("the pool replaced its connection; counters not comparable")
        phase.cycle_reads.append(delta(after, before, self.overhead))
        phase.visits, phase.enqueued = report.visits, sum(report.enqueued.values())

        start, end = self.options.window(TODAY)
        before = await handler_reads(self.solo)
        started = time.perf_counter()
        snapshots = await load_window(self.solo, start, end, self.options)
        phase.window_s.append(time.perf_counter() - started)
        phase.window_reads.append(delta(await handler_reads(self.solo), before,
                                        self.solo_overhead))

        keys = [s.kodebooking for s in snapshots]
        started = time.perf_counter()
        await self.ledger.entries_for("bpjs", keys)
        await self.ledger.entries_for("sirs", keys)
        phase.ledger_s.append(time.perf_counter() - started)

    async def close(self) -> None:
        for table in TABLES:
            rows = await fetch_all(self.solo, f"SELECT COUNT(*) AS n FROM {table}", ())  # noqa: S608
            self.phase.counts[table] = int(rows[0]["n"])
        size = await fetch_all(self.solo, "SELECT SUM(data_length + index_length) AS b FROM "
                               "information_schema.TABLES WHERE table_schema = DATABASE()", ())
        self.phase.size_mb = float(size[0]["b"]) / 2**20
        self.solo.close()
        for pool in (self.khanza, self.state):
            pool.close()
            await pool.wait_closed()
        await self.queue.aclose()


async def measure(small: Settings, large: Settings, runs: int) -> tuple[Phase, Phase]:
    """Runs alternate between the two databases (order swapped every run), so whatever
    else the machine does at the time weighs on both alike."""
    probes = [Probe(Phase("small"), small), Probe(Phase("large"), large)]
    for probe in probes:
        await probe.open()
    try:
        for run in range(runs):
            for probe in probes if run % 2 == 0 else probes[::-1]:
                await probe.once()
    finally:
        for probe in probes:
            await probe.close()
    return probes[0].phase, probes[1].phase


async def analyze_queries(settings: Settings) -> list[tuple[str, list[dict[str, Any]]]]:
    """MariaDB's ANALYZE of every producer statement: the plan and the rows really read.
    Window statements get today's window; the rest their sample parameters."""
    lo, hi = no_rawat_range(*khanza_options(settings).window(TODAY))
    conn = await db.connect(settings.khanza_db_url, setting="khanza")
    results: list[tuple[str, list[dict[str, Any]]]] = []
    try:
        for name in ALL_QUERIES:
            sql, params = executable(name)
            if name.endswith("_in_range"):
                params = (lo, hi)
            if name in OPTIONAL_TABLES:
                exists = await fetch_all(conn, ALL_QUERIES["racikan_table_exists"],
                                         (OPTIONAL_TABLES[name],))
                if not exists[0]["n"]:
                    results.append((name, []))
                    continue
            results.append((name, await fetch_all(conn, "ANALYZE " + sql, params)))
    finally:
        conn.close()
    return results


# --- report ------------------------------------------------------------------------------------


def _total(reads: dict[str, int]) -> int:
    return sum(reads.values())


def render(small: Phase, large: Phase, load: dict[str, float], load_s: float,
           plans: Sequence[tuple[str, list[dict[str, Any]]]], args: argparse.Namespace) -> str:
    med = statistics.median
    ratio = med(large.cycle_s) / med(small.cycle_s)
    sr, lr = Phase.median_reads(small.cycle_reads), Phase.median_reads(large.cycle_reads)
    swr, lwr = Phase.median_reads(small.window_reads), Phase.median_reads(large.window_reads)
    reads_ratio = _total(lr) / max(_total(sr), 1)

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    def ms(xs: list[float]) -> str:
        return f"{med(xs) * 1000:.0f} ms (min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f})"

    out = [
        "# Producer benchmark: cost on the hospital database",
        "",
        f"{platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"{args.server} · {time.strftime('%Y-%m-%d %H:%M')} · load average "
        f"{args.load_start:.1f} at start, {os.getloadavg()[0]:.1f} at end (other work on the "
        "machine shows in the times)",
        "",
        f"Today = {TODAY} with {args.today_visits} visits; window {TODAY - timedelta(days=1)}"
        f" .. {TODAY + timedelta(days=7)} ({small.visits} visits seen). History: "
        f"{args.history:,} registrations over {args.years} years of earlier days, in a second "
        f"database. Medians of {args.runs} runs each after one warm-up, alternating between the "
        "two databases; the queue is flushed before every cycle, so each "
        f"cycle enqueues the same {small.enqueued} jobs (small) / {large.enqueued} (large).",
        "",
        "| measure | small | large | large/small | target |",
        "|---|---|---|---|---|",
        f"| `Producer.cycle` | {ms(small.cycle_s)} | {ms(large.cycle_s)} | {ratio:.2f} | "
        f"< {TARGET_RATIO}: {verdict(ratio < TARGET_RATIO)} |",
        f"| `load_window` alone | {ms(small.window_s)} | {ms(large.window_s)} | "
        f"{med(large.window_s) / med(small.window_s):.2f} | |",
        f"| ledger reads (bpjs + sirs) | {ms(small.ledger_s)} | {ms(large.ledger_s)} | "
        f"{med(large.ledger_s) / med(small.ledger_s):.2f} | |",
        f"| Handler_read_* per cycle | {_total(sr):,} | {_total(lr):,} | {reads_ratio:.2f} | "
        f"≈ 1 (< {TARGET_RATIO}): {verdict(reads_ratio < TARGET_RATIO)} |",
        f"| … per visit in the window | {_total(sr) / small.visits:.1f} | "
        f"{_total(lr) / large.visits:.1f} | | |",
        f"| Handler_read_* per `load_window` | {_total(swr):,} | {_total(lwr):,} | "
        f"{_total(lwr) / max(_total(swr), 1):.2f} | |",
        "",
        "Rows read per cycle, by counter (median; the cost of `SHOW STATUS` itself subtracted):",
        "",
        "| counter | small | large |",
        "|---|---|---|",
        *(f"| {k} | {sr[k]:,} | {lr[k]:,} |" for k in sr if sr[k] or lr[k]),
        "",
        f"History load: {load_s:.0f} s in all ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in load.items()) + ").",
        "",
        "| table | rows small | rows large |",
        "|---|---|---|",
        *(f"| {t} | {small.counts[t]:,} | {large.counts[t]:,} |" for t in TABLES),
        f"| (Khanza database size) | {small.size_mb:.1f} MB | {large.size_mb:.0f} MB |",
        "",
        "## Plans on the large database",
        "",
        "MariaDB `ANALYZE` of each statement in `core.khanza.queries.ALL_QUERIES` "
        "(window statements with today's window): access type, key, estimated rows and "
        "rows actually read (r_rows) per table. Big tables are those that grow with history.",
        "",
        "| query | table | type | key | rows | r_rows | extra |",
        "|---|---|---|---|---|---|---|",
    ]
    full_scans = []
    for name, rows in plans:
        if not rows:
            out.append(f"| {name} | (resep_dokter_racikan absent: skipped, checked first) "
                       "| | | | | |")
            continue
        for row in rows:
            table, kind = row["table"], row["type"]
            out.append(f"| {name} | {table} | {kind} | {row['key'] or ''} | {row['rows']} | "
                       f"{row['r_rows']} | {row['Extra'] or ''} |")
            if kind in ("ALL", "index") and table in BIG_TABLES:
                full_scans.append(f"{name}:{table}")
    out += ["", "Full scans of big tables: " + (", ".join(full_scans) or "none") + ".", ""]
    return "\n".join(out)


async def main_async(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-producer-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        redis = RedisServer(workdir / "redis").start()
        mariadb = MariaDBServer(workdir / "mariadb").start()
        try:
            mariadb.sql("CREATE DATABASE sik CHARACTER SET latin1; "
                        "CREATE DATABASE sik_large CHARACTER SET latin1; "
                        "CREATE DATABASE bridge CHARACTER SET utf8mb4; CREATE DATABASE bench")
            version, pool = mariadb.sql("SELECT VERSION(), @@innodb_buffer_pool_size").split()
            args.server = f"MariaDB {version}, innodb_buffer_pool_size {int(pool) >> 20} MB"
            small, large = (Settings(
                redis_url=redis.url,
                khanza_db_url=DatabaseUrl.parse(mariadb.url(name)),
                state_db_url=DatabaseUrl.parse(mariadb.url("bridge")),
                log_level="WARNING",
            ) for name in ("sik", "sik_large"))
            for settings in (small, large):
                for part in ("schema.sql", "sample-data.sql"):
                    mariadb.load(REPO / "sandbox" / "khanza" / part,
                                 settings.khanza_db_url.database)
                conn = await db.connect(settings.khanza_db_url, setting="khanza")
                try:
                    await load_today(conn, args.today_visits)
                    # Fresh statistics on both, so neither plan rests on stale estimates.
                    async with conn.cursor() as cursor:
                        await cursor.execute("ANALYZE TABLE " + ", ".join(TABLES))
                        await cursor.fetchall()
                finally:
                    conn.close()
            state = await db.connect(small.state_db_url, setting="state")
            try:
                await migrate(state)
            finally:
                state.close()
            conn = await db.connect(large.khanza_db_url, setting="khanza")
            started = time.perf_counter()
            try:
                load = await load_history(conn, args.history, args.years, args.patients)
            finally:
                conn.close()
            load_s = time.perf_counter() - started
            small_phase, large_phase = await measure(small, large, args.runs)
            for phase in (small_phase, large_phase):
                print(f"{phase.name}: cycle {statistics.median(phase.cycle_s):.3f} s",
                      flush=True)
            plans = await analyze_queries(large)
        finally:
            mariadb.stop()
            redis.stop()
    return render(small_phase, large_phase, load, load_s, plans, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="also write the markdown report here")
    parser.add_argument("--today-visits", type=int, default=300)
    parser.add_argument("--history", type=int, default=1_000_000, help="registrations")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--patients", type=int, default=200_000, help="history patients")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the private servers live (default: a temp dir)")
    args = parser.parse_args()
    args.load_start = os.getloadavg()[0]
    report = asyncio.run(main_async(args))
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)


if __name__ == "__main__":
    main()
