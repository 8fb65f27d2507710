"""WS RS under load: ambilantrean and statusantrean throughput and latency, duplicates found.

Starts a private MariaDB and Redis (``sandbox.services``), loads the Khanza
fixture plus ``--history`` earlier registrations of the two fixture doctors (to
show the allocation lock costs the day, not the history), raises the two
schedules' kuota so the run is not refused, and runs ``simrs-bridge wsrs`` as its
own process exactly as systemd would (audit into the state database, nudges into
Redis). Clients are closed-loop aiohttp sessions in this process, each with its own
token, at ``--levels`` concurrent clients (default 50 and 200). Each level books
``--bookings`` new patients over ``--days`` upcoming days (bookings of one doctor
queue on the doctor's lock), then asks ``statusantrean`` as many times.
Afterwards it counts registrations sharing a doctor, day and no_reg (must be 0) or
a no_rawat, and writes a markdown report (``--out``).

Beside the client-observed latency the report gives, per level, the server's own
time per call (audit rows), CPU per process, InnoDB lock waits and deadlocks and
statements per request (``wsrs_probe.py``), and with ``--log-level INFO`` the key
collisions and rollbacks. ``--server LABEL=DIR`` (repeatable) runs the WS RS from
another source tree (``git archive`` of an older commit) with levels alternating,
for a before/after in one run; ``--flush-log 1`` runs MariaDB with its default
durability; ``--profile DIR`` writes a CPU-time cProfile of each WS RS.

    .venv/bin/python bench/bench_wsrs.py --out bench/reports/wsrs.md
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from wsrs_probe import STATUS, Probe, Spent  # bench/, the script's own directory

from core.settings import Settings
from sandbox.services import MariaDBServer, RedisServer, free_port, wait_for_port

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "sandbox" / "khanza"
USER, PASSWORD, KEY = "mobilejkn", "bench-password", "b" * 48
DOCTORS = (("99901", "INT", "08:00-12:00"), ("99902", "ANA", "09:00-13:00"))

PATIENTS = """INSERT INTO pasien SELECT LPAD(800000 + seq, 6, '0'), CONCAT('BENCH ', seq),
  CONCAT('8', LPAD(seq, 15, '0')), jk, tmp_lahir, tgl_lahir, nm_ibu, alamat, gol_darah,
  pekerjaan, stts_nikah, agama, tgl_daftar, no_tlp, umur, pnd, keluarga, namakeluarga, kd_pj,
  CONCAT('8', LPAD(seq, 12, '0')), kd_kel, kd_kec, kd_kab, pekerjaanpj, alamatpj, kelurahanpj,
  kecamatanpj, kabupatenpj, perusahaan_pasien, suku_bangsa, bahasa_pasien, cacat_fisik, email,
  nip, kd_prop, propinsipj
FROM pasien, seq_1_to_{n} WHERE no_rkm_medis = '000001'"""
HISTORY = """INSERT INTO reg_periksa (no_reg, no_rawat, tgl_registrasi, jam_reg, kd_dokter,
  no_rkm_medis, kd_poli, p_jawab, almt_pj, hubunganpj, biaya_reg, stts, stts_daftar,
  status_lanjut, kd_pj, umurdaftar, sttsumur, status_bayar, status_poli)
SELECT LPAD(seq MOD 30 + 1, 3, '0'),
  CONCAT(DATE_FORMAT(DATE '2015-01-01' + INTERVAL (seq DIV 60) DAY, '%Y/%m/%d/'),
         LPAD(seq MOD 60 + 1, 6, '0')),
  DATE '2015-01-01' + INTERVAL (seq DIV 60) DAY, '08:00:00',
  IF(seq MOD 60 < 30, 'D001', 'D002'), '000003', IF(seq MOD 60 < 30, 'INT', 'ANA'),
  '-', '-', '-', 0, 'Sudah', 'Lama', 'Ralan', 'BPJ', 40, 'Th', 'Sudah Bayar', 'Lama'
FROM seq_0_to_{last}"""
# Both fixture doctors practise every day with an unlimited kuota, so a run spreads over
# --days schedules per doctor (one jadwal row each, as at a hospital with daily clinics).
SCHEDULES = """INSERT IGNORE INTO jadwal (kd_dokter, hari_kerja, jam_mulai, jam_selesai, kd_poli,
  kuota)
SELECT j.kd_dokter, h.hari, j.jam_mulai, j.jam_selesai, j.kd_poli, 1000000 FROM jadwal j,
  (SELECT 'SENIN' AS hari UNION SELECT 'SELASA' UNION SELECT 'RABU' UNION SELECT 'KAMIS'
   UNION SELECT 'JUMAT' UNION SELECT 'SABTU' UNION SELECT 'AKHAD') h;
UPDATE jadwal SET kuota = 1000000;"""
# The WS RS under cProfile counting CPU time (not wall time, which would charge every
# wait for the other processes on these 2 cores to whatever was running).
PROFILED = """import cProfile, runpy, sys, time
sys.argv = ["simrs-bridge", "wsrs"]
profile = cProfile.Profile(time.process_time)
profile.enable()
try:
    runpy.run_module("app.cli", run_name="__main__")
finally:
    profile.disable()
    profile.dump_stats("{out}")"""
DUPLICATE_REG = """SELECT COUNT(*) FROM (SELECT kd_dokter, tgl_registrasi, no_reg FROM reg_periksa
  WHERE tgl_registrasi >= %s GROUP BY kd_dokter, tgl_registrasi, no_reg HAVING COUNT(*) > 1) d"""


@dataclass
class Level:
    clients: int
    endpoint: str
    server: str = "this"
    latencies: list[float] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    spent: Spent | None = None

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


@contextlib.contextmanager
def child(args: list[str], log: Path, env: dict[str, str],
          cwd: Path = REPO) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def upcoming(count: int) -> list[date]:
    today = datetime.now(Settings().zone).date()
    return [today + timedelta(days=i) for i in range(1, count + 1)]


async def run_level(base: str, level: Level, bodies: list[dict[str, Any]]) -> None:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    connector = aiohttp.TCPConnector(limit=level.clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def one_client() -> None:
            async with session.get(f"{base}/auth", headers={
                    "x-username": USER, "x-password": PASSWORD}) as response:
                token = (await response.json())["response"]["token"]
            headers = {"x-token": token, "x-username": USER}
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                async with session.post(f"{base}/{level.endpoint}", json=body,
                                        headers=headers) as response:
                    answer = await response.json()
                level.latencies.append(time.perf_counter() - started)
                level.codes[f"{answer['metadata']['code']} {answer['metadata']['message']}"] += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(level.clients)))
        level.seconds = time.perf_counter() - started


def ambil_bodies(offset: int, count: int, days: list[date]) -> list[dict[str, Any]]:
    bodies = []
    for i in range(count):
        n = offset + i + 1
        kodedokter, poli, jam = DOCTORS[i % 2]
        bodies.append({"nomorkartu": f"8{n:012d}", "nik": f"8{n:015d}", "nohp": "0812000",
                       "kodepoli": poli, "norm": "", "tanggalperiksa": days[(i // 2) % len(days)]
                       .isoformat(), "kodedokter": kodedokter, "jampraktek": jam,
                       "jeniskunjungan": 1, "nomorreferensi": f"BENCH{n:08d}"})
    return bodies


def settings_env(mariadb: MariaDBServer, redis: RedisServer, port: int,
                 args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMRS_BRIDGE_")}
    env.update({
        "SIMRS_BRIDGE_ENV_FILE": "", "SIMRS_BRIDGE_REDIS_URL": redis.url,
        "SIMRS_BRIDGE_WSRS_DB_URL": mariadb.url("sik"),
        "SIMRS_BRIDGE_KHANZA_DB_URL": mariadb.url("sik"),
        "SIMRS_BRIDGE_STATE_DB_URL": mariadb.url("simrs_bridge"),
        "SIMRS_BRIDGE_WSRS_LISTEN": f"127.0.0.1:{port}", "SIMRS_BRIDGE_WSRS_USERNAME": USER,
        "SIMRS_BRIDGE_WSRS_PASSWORD": PASSWORD, "SIMRS_BRIDGE_WSRS_TOKEN_KEY": KEY,
        "SIMRS_BRIDGE_WSRS_BURST": "100000", "SIMRS_BRIDGE_WSRS_RATE": "10000",
        "SIMRS_BRIDGE_LOG_LEVEL": args.log_level,
    })
    env.update(dict(args.env))
    return env


@dataclass
class Server:
    """One ``simrs-bridge wsrs`` under test: a source tree (this one, or an older commit's
    export for a before/after in one run) and its own port and log."""

    label: str
    source: Path
    port: int = 0
    log: Path = Path()
    pid: int = 0


async def main_async(args: argparse.Namespace) -> str:
    sources = [Server(label, path) for label, path in args.server]
    total = args.bookings * len(args.levels) * len(sources)
    with tempfile.TemporaryDirectory(prefix="bench-wsrs-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        redis = RedisServer(workdir / "redis").start()
        mariadb = MariaDBServer(workdir / "mariadb").start()
        try:
            mariadb.sql("CREATE DATABASE sik CHARACTER SET latin1; "
                        "CREATE DATABASE simrs_bridge CHARACTER SET utf8mb4")
            mariadb.load(FIXTURE / "schema.sql", "sik")
            mariadb.load(FIXTURE / "sample-data.sql", "sik")
            mariadb.sql(PATIENTS.format(n=total), "sik")
            if args.history:
                mariadb.sql(HISTORY.format(last=args.history - 1) + ";\nANALYZE TABLE "
                            "reg_periksa, pasien", "sik")
            mariadb.sql(SCHEDULES, "sik")
            if args.flush_log is not None:
                mariadb.sql(f"SET GLOBAL innodb_flush_log_at_trx_commit = {args.flush_log}")
            args.durability = mariadb.sql(
                "SELECT @@innodb_flush_log_at_trx_commit, @@sync_binlog, @@log_bin;").split()
            mariadb_pid = int((mariadb.directory / "mariadbd.pid").read_text())
            with contextlib.ExitStack() as stack:
                for server in sources:
                    server.port, server.log = free_port(), workdir / f"wsrs-{server.label}.log"
                    command = [sys.executable, "-m", "app.cli", "wsrs"]
                    if args.profile:
                        command[1:] = ["-c", PROFILED.format(
                            out=args.profile / f"wsrs-{server.label}.prof")]
                    process = stack.enter_context(child(
                        command, server.log, settings_env(mariadb, redis, server.port, args),
                        cwd=server.source))
                    wait_for_port(server.port, process, time.monotonic() + 60, server.log)
                    server.pid = process.pid
                results = await run_levels(args, sources, mariadb, mariadb_pid)
            duplicates = mariadb.sql(DUPLICATE_REG.replace("%s", f"'{upcoming(1)[0]}'") + ";",
                                     "sik")
            rawat = mariadb.sql("SELECT COUNT(*) - COUNT(DISTINCT no_rawat) FROM reg_periksa;",
                                "sik")
        finally:
            mariadb.stop()
            redis.stop()
    return render(results, args, duplicates.split()[-1], rawat.split()[-1])


async def run_levels(args: argparse.Namespace, sources: list[Server], mariadb: MariaDBServer,
                     mariadb_pid: int) -> list[Level]:
    """Each level against each server in turn (alternating, so load hits both alike)."""
    days = upcoming(args.days * len(args.levels) * len(sources))
    results: list[Level] = []
    for index, clients in enumerate(args.levels):
        for turn, server in enumerate(sources):
            slot = index * len(sources) + turn
            level_days = days[args.days * slot:args.days * (slot + 1)]
            base = f"http://127.0.0.1:{server.port}/wsrs"
            probe = Probe(mariadb, [server.log], {
                "client": os.getpid(), "wsrs": server.pid, "mariadbd": mariadb_pid})
            booking = Level(clients, "ambilantrean", server.label)
            before = probe.start()
            await run_level(base, booking, ambil_bodies(slot * args.bookings, args.bookings,
                                                        level_days))
            booking.spent = probe.finish(before, "ambilantrean")
            if args.log_level == "INFO" and booking.spent.status["Innodb_deadlocks"]:
                status_text = mariadb.sql("SHOW ENGINE INNODB STATUS\\G")
                deadlock = status_text.partition("LATEST DETECTED DEADLOCK")[2]
                print("latest deadlock:", deadlock.partition("\\nTRANSACTIONS\\n")[0])
            status = Level(clients, "statusantrean", server.label)
            kodedokter, poli, jam = DOCTORS[0]
            before = probe.start()
            await run_level(base, status, [{
                "kodepoli": poli, "kodedokter": kodedokter, "jampraktek": jam,
                "tanggalperiksa": level_days[0].isoformat()}] * args.bookings)
            status.spent = probe.finish(before, "statusantrean")
            for level in (booking, status):
                print(f"[{server.label}] {level.endpoint} @ {clients}: {level.rate:.0f}/s "
                      f"p50 {level.pct(0.5):.0f} ms p99 {level.pct(0.99):.0f} ms (server "
                      f"p50 {level.spent.server_pct(0.5):.0f} p99 "
                      f"{level.spent.server_pct(0.99):.0f}) {dict(level.codes)}", flush=True)
            results += [booking, status]
    return results


def render(results: list[Level], args: argparse.Namespace, duplicates: str, rawat: str) -> str:
    flush, sync_binlog, log_bin = args.durability
    servers = ", ".join(f"`{label}` = {path}" for label, path in args.server)
    lines = [
        "# WS RS benchmark", "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs shared with the "
        f"clients and MariaDB, load average at start {args.load_start:.2f}. Server(s): "
        f"{servers}, each `simrs-bridge wsrs` as its own process (audit on, nudges to "
        f"Redis, log level {args.log_level}); levels alternate between servers. MariaDB and "
        f"Redis private; innodb_flush_log_at_trx_commit={flush}, sync_binlog={sync_binlog}, "
        f"log_bin={log_bin}. {args.history} earlier registrations of the two doctors; per "
        f"endpoint, level and server {args.bookings} requests by N closed-loop clients "
        f"(aiohttp, one process: this one), bookings spread over 2 doctors x {args.days} "
        f"days; statusantrean asks for one schedule.", "",
        "Client = time the client saw (includes its own event-loop delay); server = the "
        "handler's own time from the audit rows (from routing to the answer, excluding "
        "aiohttp's parsing and the wait for the event loop). CPU = seconds of CPU per "
        "second of the level (client / wsrs / mariadbd). Lock waits, lock ms, deadlocks: "
        "InnoDB counters over the level; stmts/req = MariaDB `Questions` per "
        "request (all round trips, audit included); collisions / retries: key collisions "
        "and InnoDB rollbacks the WS RS logged (INFO only, else -).", "",
        "| server | endpoint | clients | req/s | client p50 | client p99 | max | server p50 "
        "| server p99 | CPU c/w/m | lock waits | lock ms | deadlocks | stmts/req "
        "| collisions | retries | load | answers |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for level in results:
        spent = level.spent
        assert spent is not None
        answers = ", ".join(f"{k}: {v}" for k, v in level.codes.most_common())
        cpu = "/".join(f"{spent.cpu.get(k, 0.0) / level.seconds:.2f}"
                       for k in ("client", "wsrs", "mariadbd"))
        info = args.log_level == "INFO"
        lines.append(
            f"| {level.server} | {level.endpoint} | {level.clients} | {level.rate:.0f} | "
            f"{level.pct(0.5):.0f} | {level.pct(0.99):.0f} | "
            f"{max(level.latencies) * 1000:.0f} | {spent.server_pct(0.5):.0f} | "
            f"{spent.server_pct(0.99):.0f} | {cpu} | {spent.status['Innodb_row_lock_waits']} "
            f"| {spent.status['Innodb_row_lock_time']} | {spent.status['Innodb_deadlocks']} "
            f"| {spent.status['Questions'] / max(len(level.latencies), 1):.1f} | "
            f"{spent.collisions if info else '-'} | {spent.retries if info else '-'} | "
            f"{spent.load[0]:.1f}-{spent.load[1]:.1f} | {answers} |")
    lines += ["", "MariaDB counters per request (ambilantrean rows):", "",
              "| server | clients | " + " | ".join(STATUS) + " |",
              "|---|---:|" + "---:|" * len(STATUS)]
    for level in results:
        if level.endpoint == "ambilantrean" and level.spent is not None:
            n = max(len(level.latencies), 1)
            lines.append(f"| {level.server} | {level.clients} | " + " | ".join(
                f"{level.spent.status[k] / n:.2f}" for k in STATUS) + " |")
    lines += ["", f"Duplicate (doctor, day, no_reg) among the booked days: **{duplicates}**; "
              f"duplicate no_rawat: **{rawat}**. Target: ambilantrean p99 < 100 ms at "
              f"{min(args.levels)} clients."]
    return "\n".join(lines) + "\n"


def _server(text: str) -> tuple[str, Path]:
    label, sep, path = text.partition("=")
    return (label, Path(path).resolve()) if sep else (Path(text).name, Path(text).resolve())


def _env(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.startswith("SIMRS_BRIDGE_"):
        raise argparse.ArgumentTypeError("expected SIMRS_BRIDGE_NAME=value")
    return name, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--levels", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=7, help="visit days per level (1-7: "
                        "how many schedules per doctor the bookings spread over)")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--server", type=_server, action="append", metavar="LABEL=DIR",
                        help="source tree to run the WS RS from (repeat for before/after in "
                        "one run, e.g. an older commit's `git archive` export); default: this")
    parser.add_argument("--env", type=_env, action="append", default=[],
                        metavar="SIMRS_BRIDGE_X=V", help="extra setting for the WS RS")
    parser.add_argument("--log-level", default="WARNING", choices=("WARNING", "INFO"),
                        help="INFO also counts key collisions and deadlock retries")
    parser.add_argument("--flush-log", type=int, choices=(0, 1, 2), default=None,
                        help="SET GLOBAL innodb_flush_log_at_trx_commit (sandbox: 2; "
                        "MariaDB's default, as at most hospitals: 1)")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="run the WS RS under cProfile, writing DIR/wsrs-LABEL.prof")
    args = parser.parse_args()
    args.server = args.server or [("this", REPO)]
    if args.profile:
        args.profile = args.profile.resolve()
        args.profile.mkdir(parents=True, exist_ok=True)
    args.load_start = os.getloadavg()[0]
    report = asyncio.run(main_async(args))
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)


if __name__ == "__main__":
    main()
