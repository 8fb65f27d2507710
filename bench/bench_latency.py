"""Benchmark the latency from a Khanza commit to the fake BPJS accepting the task.

Everything runs as it does in production, each in its own process: private
Redis and MariaDB (``sandbox.services``), the fake BPJS and fake RS Online
(``python -m sandbox.fake_bpjs`` / ``sandbox.fake_sirs``), and the two daemon
processes ``python -m app.cli producer`` and ``python -m app.cli worker``
configured through ``SIMRS_BRIDGE_*`` variables, rate limits off.

Per scenario, from a clean state: today's visits (real "today" in the
hospital zone, since BPJS refuses a task time outside the service date) are
registered, half on-site and half Mobile JKN, with no service event yet; the
daemons send their ``antrean/add`` and the benchmark waits until BPJS has them
all. Then, ``--changes`` times, spaced ``--spacing`` apart, the medical-record
file of one visit is sent (an INSERT into ``mutasi_berkas`` with ``dikirim`` =
now: task 3 under the default task sources) and the commit time noted. The
fake stamps each task with the epoch ms it accepted it (``received``); the
latency is ``received - commit``. Scenarios: polling only (producer interval
1 s, 2 s and the default 3 s), with the inbox nudge (an ``XADD`` of a
``booking_changed`` event right after each commit; interval 3 s and 1 s), and
``cdc``: ``SIMRS_BRIDGE_CHANGES=binlog``, the producer following the binlog
(polling every 30 s as the safety net), nothing added to Khanza's side.

The Khanza server's load from the producer is measured per scenario: the
producer connects as its own MariaDB user, and ``information_schema.
USER_STATISTICS`` (``userstat=1``) counts that user's statements and rows read,
during the measured changes and in a quiet window afterwards (``--idle``).

Run from the repository root (needs ``redis-server`` and ``mariadbd``)::

    .venv/bin/python bench/bench_latency.py --out bench/reports/latency.md
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core import db  # noqa: E402
from core.keys import INBOX_STREAM, QUEUE_NAME  # noqa: E402
from core.khanza.bookings import no_rawat_range  # noqa: E402
from core.queue import open_queue  # noqa: E402
from core.settings import ENV_PREFIX, DatabaseUrl, Settings  # noqa: E402
from core.state.migrate import migrate  # noqa: E402
from sandbox.generate import add_visits  # noqa: E402
from sandbox.services import MariaDBServer, RedisServer, free_port, wait_for_port  # noqa: E402

KHANZA_BASELINE = "Khanza's own sender runs every 10 minutes: ~300 s mean, 600 s worst"
TARGET_POLL_P99 = 3.0
TARGET_NUDGE_P99 = 1.0
TARGET_CDC_P99 = 0.5
PRODUCER_USER = "bench_producer"
WORKER_USER = "bench_worker"
ZERO_DATETIME = "0000-00-00 00:00:00"


@dataclass(frozen=True)
class Scenario:
    name: str
    interval: float
    nudge: bool
    changes: str = "poll"

    @property
    def target(self) -> float:
        if self.changes == "binlog":
            return TARGET_CDC_P99
        return TARGET_NUDGE_P99 if self.nudge else TARGET_POLL_P99


SCENARIOS = {
    "poll-1s": Scenario("polling, interval 1 s", 1.0, False),
    "poll-3s": Scenario("polling, interval 3 s (default)", 3.0, False),
    "nudge-3s": Scenario("inbox nudge, interval 3 s", 3.0, True),
    "nudge-1s": Scenario("inbox nudge, interval 1 s", 1.0, True),
    "poll-2s": Scenario("polling, interval 2 s", 2.0, False),
    "cdc": Scenario("binlog (cdc), safety poll 30 s", 30.0, False, "binlog"),
}


@dataclass(frozen=True)
class Load:
    """The producer's statements on Khanza over a window (USER_STATISTICS deltas)."""

    seconds: float
    selects: int
    others: int
    rows_read: int

    @property
    def per_second(self) -> float:
        return (self.selects + self.others) / self.seconds if self.seconds else 0.0


@dataclass
class Result:
    scenario: Scenario
    latencies_ms: list[float]
    missing: int
    adds_s: float
    slowest: list[tuple[float, int]]  # (latency ms, position of the commit in the run)
    cycles_ms: list[float] = field(default_factory=list)
    queue_wait_ms: list[float] = field(default_factory=list)
    busy: Load | None = None
    idle: Load | None = None

    def pct(self, q: float) -> float:
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, max(0, round(q * len(data)) - 1))]


# --- processes ---------------------------------------------------------------------------------


@contextlib.contextmanager
def child(args: list[str], log: Path, env: dict[str, str] | None = None
          ) -> Iterator[subprocess.Popen[bytes]]:
    """A child in its own process group, always ended (SIGTERM, then SIGKILL) on exit."""
    with log.open("ab") as out:
        process = subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def daemon_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, DatabaseUrl):
            text = value.render(reveal=True)
        elif hasattr(value, "get_secret_value"):
            text = value.get_secret_value()
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(value)
        env[ENV_PREFIX + name.upper()] = text
    env[ENV_PREFIX + "ENV_FILE"] = ""  # the environment only, no env file
    env["PYTHONPATH"] = str(REPO)
    return env


@dataclass
class Stack:
    workdir: Path
    mariadb: MariaDBServer
    redis: RedisServer
    bpjs_root: str
    sirs_root: str

    def settings(self, interval: float, changes: str = "poll", user: str = "root"
                 ) -> Settings:
        return Settings(
            redis_url=self.redis.url,
            khanza_db_url=DatabaseUrl.parse(self.mariadb.url("sik", user)),
            changes=changes, changes_safety_interval=interval,
            state_db_url=DatabaseUrl.parse(self.mariadb.url("bridge")),
            bpjs_base_url=f"{self.bpjs_root}/antreanrs",
            sirs_base_url=f"{self.sirs_root}/fo/index.php",
            bpjs_rate=0, sirs_rate=0, bpjs_max_concurrency=0, sirs_max_concurrency=0,
            producer_interval=interval, log_level="INFO",
        )


# --- one scenario --------------------------------------------------------------------------------

# The producer's and the worker's own Khanza users, so the server counts them apart.
USERS_SQL = f"""SET GLOBAL userstat = 1;
CREATE USER IF NOT EXISTS '{PRODUCER_USER}'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO '{PRODUCER_USER}'@'127.0.0.1';
CREATE USER IF NOT EXISTS '{WORKER_USER}'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO '{WORKER_USER}'@'127.0.0.1';"""

STATS_SQL = ("SELECT SELECT_COMMANDS, UPDATE_COMMANDS + OTHER_COMMANDS, ROWS_READ "
             "FROM information_schema.USER_STATISTICS WHERE USER = 'bench_producer'")


def producer_stats(stack: Stack) -> tuple[float, int, int, int]:
    line = stack.mariadb.sql(STATS_SQL).strip()
    selects, others, rows = (int(x) for x in line.split("\t")) if line else (0, 0, 0)
    return time.monotonic(), selects, others, rows


def load_between(start: tuple[float, int, int, int], end: tuple[float, int, int, int]) -> Load:
    return Load(end[0] - start[0], end[1] - start[1], end[2] - start[2], end[3] - start[3])



def local_now(settings: Settings) -> datetime:
    return datetime.now(settings.zone).replace(tzinfo=None)


async def reset(stack: Stack, settings: Settings, today: date, visits: int) -> list[str]:
    """Fresh Khanza and state databases, empty Redis and fakes; today's visits registered
    with no service event yet. Returns the kodebookings."""
    stack.mariadb.sql("DROP DATABASE IF EXISTS sik; DROP DATABASE IF EXISTS bridge; "
                      "CREATE DATABASE sik CHARACTER SET latin1; "
                      "CREATE DATABASE bridge CHARACTER SET utf8mb4")
    for part in ("schema.sql", "sample-data.sql"):
        stack.mariadb.load(REPO / "sandbox" / "khanza" / part, "sik")
    conn = await db.connect(settings.khanza_db_url, setting="khanza")
    try:
        half = visits // 2
        keys = await add_visits(conn, today, half, kind="onsite")
        keys += await add_visits(conn, today, visits - half, kind="mobile_jkn", start_no=half + 1)
        lo, hi = no_rawat_range(today, today)
        async with conn.cursor() as cursor:
            for table in ("mutasi_berkas", "pemeriksaan_ralan", "resep_obat"):
                await cursor.execute(f"DELETE FROM {table} WHERE no_rawat >= %s "  # noqa: S608
                                     "AND no_rawat < %s", (lo, hi))
    finally:
        conn.close()
    state = await db.connect(settings.state_db_url, setting="state")
    try:
        await migrate(state)
    finally:
        state.close()
    queue = await open_queue(settings.redis_url)
    try:
        await queue.flushdb()
    finally:
        await queue.aclose()
    async with aiohttp.ClientSession() as session:
        for root in (stack.bpjs_root, stack.sirs_root):
            for path in ("/_fake/state", "/_fake/requests"):
                async with session.delete(root + path) as response:
                    response.raise_for_status()
    return keys


async def bookings(session: aiohttp.ClientSession, root: str) -> dict[str, dict[str, Any]]:
    async with session.get(root + "/_fake/bookings") as response:
        response.raise_for_status()
        return {b["kodebooking"]: b for b in await response.json()}


def task3(booking: dict[str, Any] | None) -> int | None:
    for task in (booking or {}).get("tasks", []):
        if task["taskid"] == 3:
            return int(task["received"])
    return None


async def wait_for(what: str, check: Any, timeout: float, pause: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not done within {timeout:.0f} s")
        await asyncio.sleep(pause)


async def send_file(conn: Any, no_rawat: str, when: datetime) -> float:
    """What Khanza's form does when the file leaves the records room: one committed INSERT.
    Returns the epoch ms just after the commit (autocommit) returned."""
    async with conn.cursor() as cursor:
        await cursor.execute(
            "INSERT INTO mutasi_berkas (no_rawat, status, dikirim, diterima, kembali, tidakada,"
            " ranap) VALUES (%s, 'Sudah Dikirim', %s, NULL, NULL, NULL, %s)",
            (no_rawat, when.replace(microsecond=0), ZERO_DATETIME))
    return time.time() * 1000


_CYCLE = re.compile(r"cycle: \d+ visits, enqueued .* in ([0-9.]+) s")
_ARQ_START = re.compile(r"^INFO arq\.worker:\s+([0-9.]+)s → [^:]*bpjs:booking:")


def log_numbers(log: Path, pattern: re.Pattern[str], offset: int) -> list[float]:
    text = log.read_text(errors="replace")[offset:] if log.exists() else ""
    return [float(m.group(1)) * 1000 for line in text.splitlines()
            if (m := pattern.search(line))]


async def run_scenario(stack: Stack, key: str, args: argparse.Namespace) -> Result:
    scenario = SCENARIOS[key]
    settings = stack.settings(scenario.interval)
    today = local_now(settings).date()
    keys = await reset(stack, settings, today, args.visits)
    env = daemon_env(stack.settings(scenario.interval, scenario.changes, PRODUCER_USER))
    worker_env = daemon_env(stack.settings(scenario.interval, scenario.changes, WORKER_USER))
    python = sys.executable
    plogs, wlog = stack.workdir / f"{key}-producer.log", stack.workdir / f"{key}-worker.log"
    rng = random.Random(7)
    async with aiohttp.ClientSession() as session:
        profile = ([] if args.profile_producer is None else
                   ["-m", "cProfile", "-o", str(args.profile_producer / f"{key}-producer.prof")])
        with child([python, *profile, "-m", "app.cli", "producer"], plogs, env), \
             child([python, "-m", "app.cli", "worker"], wlog, worker_env):
            started = time.monotonic()

            async def adds_done() -> bool:
                return len(await bookings(session, stack.bpjs_root)) >= len(keys)

            await wait_for("antrean/add of today's visits", adds_done, 180)
            queue = await open_queue(settings.redis_url)
            try:
                async def idle() -> bool:
                    return int(await queue.zcard(QUEUE_NAME)) == 0
                await wait_for("queue drained", idle, 120, 0.2)
                adds_s = time.monotonic() - started
                offsets = (plogs.stat().st_size, wlog.stat().st_size)
                # Settle into steady cycles (cdc: its feed is connected within a second).
                await asyncio.sleep(2.0 if scenario.changes == "binlog" else scenario.interval * 2)
                busy_start = producer_stats(stack)
                lo, _ = no_rawat_range(today, today)
                chosen = rng.sample(range(len(keys)), min(args.changes, len(keys)))
                committed: dict[str, float] = {}
                conn = await db.connect(settings.khanza_db_url, setting="khanza")
                try:
                    for index in chosen:
                        no = index + 1
                        no_rawat = f"{lo}{no:06d}"
                        committed[keys[index]] = await send_file(conn, no_rawat,
                                                                 local_now(settings))
                        if scenario.nudge:
                            await queue.xadd(INBOX_STREAM, {"kind": "booking_changed",
                                                      "kodebooking": keys[index]})
                        await asyncio.sleep(rng.uniform(*args.spacing))
                finally:
                    conn.close()
            finally:
                await queue.aclose()

            async def all_accepted() -> bool:
                seen = await bookings(session, stack.bpjs_root)
                return all(task3(seen.get(k)) is not None for k in committed)

            with contextlib.suppress(TimeoutError):
                await wait_for("task 3 accepted", all_accepted, 60)
            busy = load_between(busy_start, producer_stats(stack))
            seen = await bookings(session, stack.bpjs_root)
            idle_start = producer_stats(stack)
            await asyncio.sleep(args.idle)
            idle = load_between(idle_start, producer_stats(stack))
    latencies, missing, slowest = [], 0, []
    for position, (kode, at) in enumerate(committed.items(), start=1):
        received = task3(seen.get(kode))
        if received is None:
            missing += 1
        else:
            latencies.append(received - at)
            slowest.append((received - at, position))
    return Result(scenario, latencies, missing, adds_s, sorted(slowest, reverse=True)[:3],
                  cycles_ms=log_numbers(plogs, _CYCLE, offsets[0]),
                  queue_wait_ms=log_numbers(wlog, _ARQ_START, offsets[1]), busy=busy, idle=idle)


# --- report ------------------------------------------------------------------------------------


def render(results: list[Result], args: argparse.Namespace) -> str:

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    out = [
        "# Latency benchmark: Khanza commit → fake BPJS accepts the task",
        "",
        f"{platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"{time.strftime('%Y-%m-%d %H:%M')} · load average "
        f"{args.load_start:.1f} at start, {os.getloadavg()[0]:.1f} at end (other work on the "
        "machine shows in the times)",
        "",
        f"{args.visits} visits registered today (antrean/add already accepted), then "
        f"{args.changes} commits of `mutasi_berkas.dikirim` (task 3), one per visit, "
        f"{args.spacing[0] * 1000:.0f}-{args.spacing[1] * 1000:.0f} ms apart. Latency = the "
        "fake's `received` stamp minus the time the commit returned. Daemon processes: "
        "`app.cli producer` + `app.cli worker`, rate limits off.",
        "",
        "| scenario | accepted | p50 | p90 | p99 | max | target p99 |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if not r.latencies_ms:
            out.append(f"| {r.scenario.name} | 0/{len(r.latencies_ms) + r.missing} | | | | | |")
            continue
        p99 = r.pct(0.99) / 1000
        out.append(
            f"| {r.scenario.name} | {len(r.latencies_ms)}/{len(r.latencies_ms) + r.missing} | "
            f"{r.pct(0.5) / 1000:.2f} s | {r.pct(0.9) / 1000:.2f} s | {p99:.2f} s | "
            f"{max(r.latencies_ms) / 1000:.2f} s | < {r.scenario.target:g} s: "
            f"{verdict(p99 < r.scenario.target and not r.missing)} |")
    out += [
        f"| baseline: {KHANZA_BASELINE} | | 300 s | | | 600 s | |",
        "",
        "Where the time goes (from the daemons' logs during the measured phase):",
        "",
        "| scenario | producer cycles with an enqueue | cycle duration p50 / max | "
        "arq queue wait p50 / max | slowest three (commit # of the run) | adds phase |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        cyc = (f"{statistics.median(r.cycles_ms):.0f} / {max(r.cycles_ms):.0f} ms"
               if r.cycles_ms else "-")
        wait = (f"{statistics.median(r.queue_wait_ms):.0f} / {max(r.queue_wait_ms):.0f} ms"
                if r.queue_wait_ms else "-")
        slow = ", ".join(f"{ms / 1000:.2f} s (#{n})" for ms, n in r.slowest)
        out.append(f"| {r.scenario.name} | {len(r.cycles_ms)} | {cyc} | {wait} | {slow} | "
                   f"{r.adds_s:.1f} s |")
    out += [
        "",
        "Khanza server load from the producer (its own MariaDB user, USER_STATISTICS): while "
        f"the changes were committed, and in {args.idle:.0f} quiet seconds after them. The "
        "binlog dump itself is no statement; cdc's few are its connect-time queries and the "
        "cycles its nudges start.",
        "",
        "| scenario | statements/s during changes | rows read/s during | statements/s quiet | "
        "rows read/s quiet |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        if r.busy is None or r.idle is None:
            continue
        out.append(
            f"| {r.scenario.name} | {r.busy.per_second:.1f} | "
            f"{r.busy.rows_read / max(r.busy.seconds, 1e-9):.0f} | {r.idle.per_second:.2f} | "
            f"{r.idle.rows_read / max(r.idle.seconds, 1e-9):.0f} |")
    out.append("")
    return "\n".join(out)


async def main_async(args: argparse.Namespace) -> str:
    now = datetime.now(Settings().zone)
    if now.hour == 23 and now.minute >= 45:
        raise SystemExit("too close to midnight in the hospital zone: task times would fall on "
                         "another day than the visits; run it after 00:00")
    with tempfile.TemporaryDirectory(prefix="bench-latency-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        redis = RedisServer(workdir / "redis").start()
        mariadb = MariaDBServer(workdir / "mariadb").start()
        python = sys.executable
        bpjs_port, sirs_port = free_port(), free_port()
        try:
            with child([python, "-m", "sandbox.fake_bpjs", "--port", str(bpjs_port)],
                       workdir / "fake_bpjs.log") as bpjs, \
                 child([python, "-m", "sandbox.fake_sirs", "--port", str(sirs_port)],
                       workdir / "fake_sirs.log") as sirs:
                deadline = time.monotonic() + 30
                wait_for_port(bpjs_port, bpjs, deadline, workdir / "fake_bpjs.log")
                wait_for_port(sirs_port, sirs, deadline, workdir / "fake_sirs.log")
                stack = Stack(workdir, mariadb, redis, f"http://127.0.0.1:{bpjs_port}",
                              f"http://127.0.0.1:{sirs_port}")
                mariadb.sql(USERS_SQL)
                results = []
                for key in args.scenarios:
                    result = await run_scenario(stack, key, args)
                    print(f"{key}: p50 {result.pct(0.5):.0f} ms, p99 {result.pct(0.99):.0f} ms,"
                          f" max {max(result.latencies_ms):.0f} ms, missing {result.missing}"
                          if result.latencies_ms else f"{key}: nothing accepted", flush=True)
                    results.append(result)
                if args.keep_logs:
                    keep = args.keep_logs
                    keep.mkdir(parents=True, exist_ok=True)
                    for log in workdir.glob("*.log"):
                        (keep / log.name).write_bytes(log.read_bytes())
        finally:
            mariadb.stop()
            redis.stop()
    return render(results, args)


def _spacing(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    return float(low) / 1000, float(high or low) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="also write the markdown report here")
    parser.add_argument("--visits", type=int, default=300)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--spacing", type=_spacing, default=(0.05, 0.1), metavar="MS-MS",
                        help="pause between commits, e.g. 50-100")
    parser.add_argument("--scenarios", nargs="+", choices=list(SCENARIOS),
                        default=["poll-1s", "poll-2s", "poll-3s", "nudge-3s", "nudge-1s", "cdc"])
    parser.add_argument("--idle", type=float, default=10.0,
                        help="seconds of quiet after the changes to measure idle load")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the private servers live (default: a temp dir)")
    parser.add_argument("--keep-logs", type=Path, default=None,
                        help="copy the daemons' and fakes' logs here")
    parser.add_argument("--profile-producer", type=Path, default=None, metavar="DIR",
                        help="run the producer under cProfile, stats into DIR/<scenario>-*.prof")
    args = parser.parse_args()
    args.load_start = os.getloadavg()[0]
    if args.profile_producer:
        args.profile_producer.mkdir(parents=True, exist_ok=True)
    report = asyncio.run(main_async(args))
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)


if __name__ == "__main__":
    main()
