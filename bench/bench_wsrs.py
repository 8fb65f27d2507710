"""WS RS under load: ambilantrean and statusantrean throughput and latency, duplicates found.

Starts a private MariaDB and Redis (``sandbox.services``), loads the Khanza
fixture plus ``--history`` earlier registrations of the two fixture doctors (to
show the allocation lock costs the day, not the history), raises the two
schedules' kuota so the run is not refused, and runs ``simrs-bridge wsrs`` as its
own process exactly as systemd would (audit into the state database, nudges into
Redis). Clients are aiohttp sessions in this process, each with its own token, at
``--levels`` concurrent clients (default 50 and 200). Each level books
``--bookings`` new patients over ``--days`` upcoming days (one schedule per doctor
and day; bookings of one schedule queue on its row lock), then asks ``statusantrean`` as
many times. Afterwards it counts registrations sharing a doctor, day and no_reg
(must be 0) or a no_rawat, and writes a markdown report (``--out``).

    .venv/bin/python bench/bench_wsrs.py --out bench/reports/wsrs.md
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

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
DUPLICATE_REG = """SELECT COUNT(*) FROM (SELECT kd_dokter, tgl_registrasi, no_reg FROM reg_periksa
  WHERE tgl_registrasi >= %s GROUP BY kd_dokter, tgl_registrasi, no_reg HAVING COUNT(*) > 1) d"""


@dataclass
class Level:
    clients: int
    endpoint: str
    latencies: list[float] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


@contextlib.contextmanager
def child(args: list[str], log: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
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


def settings_env(mariadb: MariaDBServer, redis: RedisServer, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMRS_BRIDGE_")}
    env.update({
        "SIMRS_BRIDGE_ENV_FILE": "", "SIMRS_BRIDGE_REDIS_URL": redis.url,
        "SIMRS_BRIDGE_WSRS_DB_URL": mariadb.url("sik"),
        "SIMRS_BRIDGE_KHANZA_DB_URL": mariadb.url("sik"),
        "SIMRS_BRIDGE_STATE_DB_URL": mariadb.url("simrs_bridge"),
        "SIMRS_BRIDGE_WSRS_LISTEN": f"127.0.0.1:{port}", "SIMRS_BRIDGE_WSRS_USERNAME": USER,
        "SIMRS_BRIDGE_WSRS_PASSWORD": PASSWORD, "SIMRS_BRIDGE_WSRS_TOKEN_KEY": KEY,
        "SIMRS_BRIDGE_WSRS_BURST": "100000", "SIMRS_BRIDGE_WSRS_RATE": "10000",
        "SIMRS_BRIDGE_LOG_LEVEL": "WARNING",
    })
    return env


async def main_async(args: argparse.Namespace) -> str:
    total = args.bookings * len(args.levels)
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
            port = free_port()
            with child([sys.executable, "-m", "app.cli", "wsrs"], workdir / "wsrs.log",
                       settings_env(mariadb, redis, port)) as server:
                wait_for_port(port, server, time.monotonic() + 60, workdir / "wsrs.log")
                base = f"http://127.0.0.1:{port}/wsrs"
                days = upcoming(args.days * len(args.levels))
                results: list[Level] = []
                for index, clients in enumerate(args.levels):
                    booking = Level(clients, "ambilantrean")
                    await run_level(base, booking, ambil_bodies(
                        index * args.bookings, args.bookings,
                        days[args.days * index:args.days * (index + 1)]))
                    status = Level(clients, "statusantrean")
                    kodedokter, poli, jam = DOCTORS[0]
                    await run_level(base, status, [{
                        "kodepoli": poli, "kodedokter": kodedokter, "jampraktek": jam,
                        "tanggalperiksa": days[args.days * index].isoformat()}] * args.bookings)
                    for level in (booking, status):
                        rate = len(level.latencies) / level.seconds
                        print(f"{level.endpoint} @ {clients}: {rate:.0f}/s p50 "
                              f"{level.pct(0.5):.0f} ms p99 {level.pct(0.99):.0f} ms "
                              f"{dict(level.codes)}", flush=True)
                    results += [booking, status]
            duplicates = mariadb.sql(DUPLICATE_REG.replace("%s", f"'{days[0]}'") + ";", "sik")
            rawat = mariadb.sql("SELECT COUNT(*) - COUNT(DISTINCT no_rawat) FROM reg_periksa;",
                                "sik")
        finally:
            mariadb.stop()
            redis.stop()
    return render(results, args, duplicates.split()[-1], rawat.split()[-1])


def render(results: list[Level], args: argparse.Namespace, duplicates: str, rawat: str) -> str:
    lines = [
        "# WS RS benchmark", "",
        f"{datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs, load at start "
        f"{args.load_start:.1f}; `simrs-bridge wsrs` as its own process (audit on, nudges to "
        f"Redis), MariaDB and Redis private; {args.history} earlier registrations of the two "
        f"doctors; {args.bookings} requests per endpoint and level, spread over 2 doctors x "
        f"{args.days} days.", "",
        "| endpoint | clients | requests/s | p50 ms | p99 ms | max ms | answers |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for level in results:
        answers = ", ".join(f"{k}: {v}" for k, v in level.codes.most_common())
        lines.append(
            f"| {level.endpoint} | {level.clients} | "
            f"{len(level.latencies) / level.seconds:.0f} | {level.pct(0.5):.0f} | "
            f"{level.pct(0.99):.0f} | {max(level.latencies) * 1000:.0f} | {answers} |")
    mean = statistics.mean(r.pct(0.99) for r in results if r.clients == min(args.levels))
    lines += ["", f"Duplicate (doctor, day, no_reg) among the booked days: **{duplicates}**; "
              f"duplicate no_rawat: **{rawat}**. Mean p99 at {min(args.levels)} clients: "
              f"{mean:.0f} ms (target < 100 ms for ambilantrean)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--levels", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=7, help="visit days per level (1-7: "
                        "how many schedules per doctor the bookings spread over)")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    args.load_start = os.getloadavg()[0]
    report = asyncio.run(main_async(args))
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)


if __name__ == "__main__":
    main()
