"""Chaos suite: nothing the SIMRS writes and nothing Redis or the database does stops the bridge.

Real private servers (Redis with AOF, MariaDB holding Khanza and the state
database), the two fakes as their own processes (fake BPJS with upstream
faults), and the producer and worker daemons supervised like their systemd
units (restarted a second after any exit, each exit counted). Phases:

A. **Fuzzed inbox**: ``--events`` events, each labelled valid or invalid by
   construction from the contract in ``docs/inbox.md`` (numbers as dates,
   bools/floats/huge numbers as counts, years 0001/9999, lone surrogates,
   arrays nested 3,000 deep, unknown kinds and fields, broken JSON, non-UTF-8
   bytes), plus ``--big`` entries of 1 MB; Redis memory sampled throughout.
B. **Visits under fire**: ``--visits`` visits (half on-site, half Mobile JKN,
   every other with a prescription) sent with ``--faults`` upstream errors,
   while the worker is SIGKILLed, Redis is restarted, and Redis is flushed.
C. **State database down**: more visits while MariaDB is stopped for
   ``--db-down`` seconds; audit rows are compared with what the fakes received.

Then every visit is checked at the fake BPJS: each planned step present (else
lost), each task time exactly Khanza's (else invented), accepted in task order
(else out of order). One figure table is printed (and written with ``--out``).

    .venv/bin/python bench/chaos.py --out bench/reports/chaos.md     # full size, ~10 min
    .venv/bin/python bench/chaos.py --quick                          # CI size, ~2 min
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import redis.asyncio as aioredis

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_latency import daemon_env  # noqa: E402
from core import db  # noqa: E402
from core.keys import INBOX_REJECTED_STREAM, INBOX_STREAM, QUEUE_NAME  # noqa: E402
from core.settings import DatabaseUrl, Settings  # noqa: E402
from core.state.migrate import migrate  # noqa: E402
from sandbox.generate import add_visits, epoch_ms, plan_visits  # noqa: E402
from sandbox.services import MariaDBServer, RedisServer, free_port, wait_for_port  # noqa: E402

GROUP = "simrs-bridge"


# --- supervised daemons ----------------------------------------------------------------------


@dataclass
class Unit:
    """One daemon as systemd runs it: ``Restart=always``, ``RestartSec=1``; exits counted."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    exits: list[int] = field(default_factory=list)
    kills: int = 0  # exits we caused on purpose (SIGKILL), not counted as failures
    stopping: bool = False

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", *self.args], cwd=REPO, env=self.env,
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)

    async def supervise(self) -> None:
        while not self.stopping:
            if self.process is not None and self.process.poll() is not None:
                self.exits.append(self.process.returncode)
                await asyncio.sleep(1.0)
                if not self.stopping:
                    self.start()
            await asyncio.sleep(0.2)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kills += 1
            os.killpg(self.process.pid, signal.SIGKILL)

    def stop(self) -> None:
        self.stopping = True
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    @property
    def failures(self) -> int:
        return len(self.exits) - self.kills


# --- fuzzed events ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fuzzed:
    fields: dict[str | bytes, str | bytes]
    valid: bool
    kind: str  # "kebutuhan" (checked by id) or "oksigen" (checked by tanggal)
    key: str   # id_kebutuhan or tanggal
    label: str


def _kebutuhan(rng: random.Random, ident: int) -> dict[str, Any]:
    def count() -> Any:
        n = rng.randint(0, 500)
        return str(n) if rng.random() < 0.5 else n
    return {"kind": rng.choice(["sdm", "apd"]), "id_kebutuhan": str(ident),
            "jumlah_eksisting": count(), "jumlah": count(), "jumlah_diterima": count()}


def fuzz(count: int, seed: int) -> list[Fuzzed]:
    """Half valid, half broken in one of many ways the contract forbids."""
    rng = random.Random(seed)
    out: list[Fuzzed] = []
    base_day = date(2030, 1, 1)
    for n in range(count):
        ident = 100_000 + n
        event = _kebutuhan(rng, ident)
        if rng.random() < 0.5:
            out.append(Fuzzed({"event": json.dumps(event)}, True, "kebutuhan", str(ident), "valid"))
            continue
        how = rng.randrange(14)
        label, raw = "", None
        if how == 0:
            event["jumlah"], label = True, "bool count"
        elif how == 1:
            event["jumlah"], label = 2.0, "float count"
        elif how == 2:
            event["jumlah"], label = 10**40, "huge count"
        elif how == 3:
            event["jumlah"], label = -rng.randint(1, 9), "negative count"
        elif how == 4:
            event["\udc80"], label = 1, "lone surrogate name"
        elif how == 5:
            event["jumlah"], label = "1\udc80", "lone surrogate value"
        elif how == 6:
            raw, label = json.dumps(event)[:-1] + ', "x": ' + "[" * 3000 + "]" * 3000 + "}", \
                "nested 3000"
        elif how == 7:
            event["jumlahh"], label = 1, "unknown field"
        elif how == 8:
            del event["jumlah"]
            label = "missing field"
        elif how == 9:
            event["kind"], label = "oxygen", "unknown kind"
        elif how == 10:
            raw, label = json.dumps(event)[:-3], "broken JSON"
        elif how == 11:
            out.append(Fuzzed({**{k: str(v) for k, v in event.items()}, "jumlah": b"\xff\xfe"},
                              False, "kebutuhan", str(ident), "not UTF-8"))
            continue
        else:  # dates: numbers, bools, implausible years, on an oksigen report
            day = base_day + timedelta(days=n)
            bad: Any = rng.choice([int(datetime(day.year, day.month, day.day).timestamp()),
                                   day.toordinal() + 0.5, True, "0001-01-01", "9999-12-31"])
            oks = {"kind": "oksigen", "tanggal": bad, "p_cair": 1}
            out.append(Fuzzed({"event": json.dumps(oks)}, False, "oksigen", day.isoformat(),
                              f"date {type(bad).__name__}"))
            continue
        out.append(Fuzzed({"event": raw if raw is not None else json.dumps(event)}, False,
                          "kebutuhan", str(ident), label))
    return out


# --- the stack -------------------------------------------------------------------------------


@dataclass
class Stack:
    workdir: Path
    redis: RedisServer
    mariadb: MariaDBServer
    bpjs_root: str
    sirs_root: str
    producer: Unit | None = None
    worker: Unit | None = None

    def settings(self) -> Settings:
        return Settings(
            redis_url=self.redis.url,
            khanza_db_url=DatabaseUrl.parse(self.mariadb.url("sik")),
            state_db_url=DatabaseUrl.parse(self.mariadb.url("bridge")),
            bpjs_base_url=f"{self.bpjs_root}/antreanrs",
            sirs_base_url=f"{self.sirs_root}/fo/index.php",
            bpjs_rate=0, sirs_rate=0, bpjs_max_concurrency=0, sirs_max_concurrency=0,
            producer_interval=1.0, log_level="INFO", http_timeout=5,
        )


async def until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> float:
    started = time.monotonic()
    while True:
        with contextlib.suppress(Exception):
            if await check():
                return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(0.5)


async def query(settings: Settings, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = await db.connect(settings.state_db_url, setting="state")
    try:
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)
            return list(await cursor.fetchall())
    finally:
        conn.close()


async def fake_get(root: str, path: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(root + path) as response:
        response.raise_for_status()
        return await response.json()


async def fake_put(root: str, path: str, body: dict[str, Any]) -> None:
    async with aiohttp.ClientSession() as session, session.put(root + path, json=body) as r:
        r.raise_for_status()


async def upstream_requests(stack: Stack) -> int:
    total = 0
    for root in (stack.bpjs_root, stack.sirs_root):
        total += sum(1 for r in await fake_get(root, "/_fake/requests")
                     if not r["path"].startswith("/_fake/"))
    return total


async def inbox_settled(client: aioredis.Redis) -> bool:
    if not await client.exists(INBOX_STREAM):
        return False
    [group] = [g for g in await client.xinfo_groups(INBOX_STREAM) if g["name"] == GROUP.encode()]
    last = (await client.xrevrange(INBOX_STREAM, count=1))
    return bool(group["pending"] == 0 and last and group["last-delivered-id"] >= last[0][0])


# --- phases ----------------------------------------------------------------------------------


@dataclass
class Figures:
    rows: list[tuple[str, str]] = field(default_factory=list)

    def add(self, what: str, value: object) -> None:
        self.rows.append((what, str(value)))
        print(f"  {what}: {value}", flush=True)


async def phase_fuzz(stack: Stack, args: argparse.Namespace, figures: Figures) -> None:
    settings = stack.settings()
    client = aioredis.from_url(settings.redis_url)
    events = fuzz(args.events, args.seed)
    peak = 0

    async def sample() -> None:
        nonlocal peak
        while True:
            info = await client.info("memory")
            peak = max(peak, int(info["used_memory"]))
            await asyncio.sleep(0.2)

    sampler = asyncio.create_task(sample())
    started = time.monotonic()
    big = json.dumps({"kind": "sdm", "id_kebutuhan": "1", "pad": "x" * 1_000_000})
    for n, item in enumerate(events):
        await client.xadd(INBOX_STREAM, item.fields)
        if args.big and n % max(1, len(events) // args.big) == 0:
            await client.xadd(INBOX_STREAM, {"event": big})
    settle = await until(lambda: inbox_settled(client), 600, "inbox drained")
    sampler.cancel()
    used_after = int((await client.info("memory"))["used_memory"])
    rejected = int(await client.xlen(INBOX_REJECTED_STREAM))
    kebutuhan = {str(r[0]) for r in await query(settings, "SELECT id_kebutuhan FROM kebutuhan")}
    oksigen = {r[0].isoformat() for r in await query(
        settings, "SELECT tanggal FROM daily_report WHERE kind = 'oksigen'")}
    valid = [e for e in events if e.valid]
    invalid = [e for e in events if not e.valid]

    # No valid oksigen event is sent: every oksigen row stored is an invalid one accepted.
    lost = [e for e in valid if e.key not in kebutuhan]
    accepted = [e for e in invalid if e.kind == "kebutuhan" and e.key in kebutuhan]
    accepted += [e for e in invalid if e.kind == "oksigen"][:len(oksigen)]
    figures.add("A. fuzzed events sent (valid / invalid / 1 MB)",
                f"{len(events)} ({len(valid)} / {len(invalid)} / {args.big})")
    figures.add("A. valid stored / lost", f"{len(valid) - len(lost)} / {len(lost)}")
    figures.add("A. invalid rejected with a reason / accepted",
                f"{rejected} / {len(accepted)}"
                + (f" ({sorted({e.label for e in accepted})})" if accepted else ""))
    figures.add("A. time to drain the inbox", f"{time.monotonic() - started:.1f} s "
                f"(settled {settle:.1f} s after the last XADD)")
    figures.add("A. Redis used_memory peak / after",
                f"{peak / 1e6:.1f} MB / {used_after / 1e6:.1f} MB"
                f" ({args.big} MB pushed in 1 MB entries)")
    await client.aclose()


async def add_today(settings: Settings, today: date, count: int, start: int) -> list[Any]:
    conn = await db.connect(settings.khanza_db_url, setting="khanza")
    try:
        half = count // 2
        await add_visits(conn, today, half, kind="onsite", start_no=start, resep_every=2)
        await add_visits(conn, today, count - half, kind="mobile_jkn", start_no=start + half,
                         resep_every=2)
    finally:
        conn.close()
    return (plan_visits(today, half, kind="onsite", start_no=start, resep_every=2)
            + plan_visits(today, count - half, kind="mobile_jkn", start_no=start + half,
                          resep_every=2))


async def delivered(stack: Stack, visits: list[Any]) -> dict[str, int]:
    """Lost / invented / out-of-order steps at the fake BPJS against what Khanza says."""
    bookings = {b["kodebooking"]: b for b in await fake_get(stack.bpjs_root, "/_fake/bookings")}
    out = {"lost": 0, "invented": 0, "out of order": 0}
    for visit in visits:
        booking = bookings.get(visit.kodebooking)
        if booking is None:
            out["lost"] += 1 + len(visit.tasks)
            continue
        got = {int(t["taskid"]): t for t in booking.get("tasks", [])}
        for taskid, local in visit.tasks.items():
            if taskid not in got:
                out["lost"] += 1
            elif int(got[taskid]["waktu"]) != epoch_ms(local):
                out["invented"] += 1
        out["invented"] += len(set(got) - set(visit.tasks))
        order = [t for t in sorted(got, key=lambda t: int(got[t]["received"])) if t in visit.tasks]
        if order != sorted(order):
            out["out of order"] += 1
    return out


async def complete(stack: Stack, visits: list[Any]) -> bool:
    return (await delivered(stack, visits))["lost"] == 0


async def phase_visits(stack: Stack, args: argparse.Namespace, figures: Figures,
                       today: date) -> list[Any]:
    settings = stack.settings()
    assert stack.worker is not None
    # Latency keeps jobs mid-run when Redis restarts and when it is flushed.
    await fake_put(stack.bpjs_root, "/_fake/faults", {"error_rate": args.faults,
                                                        "reset_rate": args.faults / 3,
                                                        "latency": 0.3, "seed": args.seed})
    visits = await add_today(settings, today, args.visits, 1)
    client = aioredis.from_url(settings.redis_url)
    await asyncio.sleep(3)
    stack.worker.kill()                       # SIGKILL mid-run
    await asyncio.sleep(4)
    stack.redis.stop()                        # Redis restart (AOF keeps the queue)
    await asyncio.sleep(1.1)
    stack.redis.start()
    await asyncio.sleep(4)
    await client.flushall()                   # Redis loses everything
    await client.xadd(INBOX_STREAM, {"event": json.dumps(
        {"kind": "sdm", "id_kebutuhan": "777", "jumlah_eksisting": 1, "jumlah": 1,
         "jumlah_diterima": 0})})
    settle = await until(lambda: complete(stack, visits), args.timeout, "visits delivered")
    after_flush = await until(lambda: _stored(settings, "777"), 60, "inbox after FLUSHALL")
    await fake_put(stack.bpjs_root, "/_fake/faults", {"error_rate": 0, "reset_rate": 0,
                                                         "latency": 0})
    found = await delivered(stack, visits)
    figures.add("B. visits (steps) under faults, SIGKILL, Redis restart, FLUSHALL",
                f"{len(visits)} ({sum(1 + len(v.tasks) for v in visits)} BPJS steps, "
                f"{args.faults:.0%} upstream errors)")
    figures.add("B. deliveries lost / invented / out of order",
                f"{found['lost']} / {found['invented']} / {found['out of order']}")
    figures.add("B. time to settle after the last disruption", f"{settle:.1f} s")
    figures.add("B. inbox event pushed after FLUSHALL stored", "yes" if after_flush >= 0 else "no")
    await client.aclose()
    return visits


async def _stored(settings: Settings, ident: str) -> bool:
    rows = await query(settings, "SELECT 1 FROM kebutuhan WHERE id_kebutuhan = %s", ident)
    return bool(rows)


async def phase_db_down(stack: Stack, args: argparse.Namespace, figures: Figures,
                        today: date, earlier: list[Any]) -> list[Any]:
    settings = stack.settings()
    await until(lambda: _queue_empty(settings), 120, "queue empty before phase C")
    await asyncio.sleep(3)
    requests_before = await upstream_requests(stack)
    audit_before = (await query(settings, "SELECT COUNT(*) FROM audit"))[0][0]
    visits = await add_today(settings, today, args.visits, args.visits + 1)
    await until(lambda: _some_sent(stack, visits), 60, "phase C sending")
    stack.mariadb.stop()
    await asyncio.sleep(args.db_down)
    stack.mariadb.start()
    settle = await until(lambda: complete(stack, earlier + visits), args.timeout,
                         "phase C delivered")
    await until(lambda: _queue_empty(settings), 120, "queue empty after phase C")
    await asyncio.sleep(5)  # the audit writer's backoff is at most a few seconds here
    requests = await upstream_requests(stack) - requests_before
    audit = (await query(settings, "SELECT COUNT(*) FROM audit"))[0][0] - audit_before
    found = await delivered(stack, visits)
    figures.add(f"C. visits sent while the database was down {args.db_down:.0f} s",
                f"{len(visits)}; lost / invented / out of order "
                f"{found['lost']} / {found['invented']} / {found['out of order']}")
    figures.add("C. upstream calls / audit rows / audit rows lost",
                f"{requests} / {audit} / {max(0, requests - audit)}")
    figures.add("C. time to settle after the database returned", f"{settle:.1f} s")
    return visits


async def _queue_empty(settings: Settings) -> bool:
    client = aioredis.from_url(settings.redis_url)
    try:
        return int(await client.zcard(QUEUE_NAME)) == 0
    finally:
        await client.aclose()


async def _some_sent(stack: Stack, visits: list[Any]) -> bool:
    bookings = await fake_get(stack.bpjs_root, "/_fake/bookings")
    keys = {v.kodebooking for v in visits}
    return sum(1 for b in bookings if b["kodebooking"] in keys) >= max(1, len(visits) // 10)


# --- main ------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> str:
    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="chaos-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        redis = RedisServer(workdir / "redis", appendonly=True).start()
        mariadb = MariaDBServer(workdir / "mariadb").start()
        fakes: list[subprocess.Popen[bytes]] = []
        units: list[Unit] = []
        try:
            ports = free_port(), free_port()
            for module, port in zip(("sandbox.fake_bpjs", "sandbox.fake_sirs"), ports,
                                    strict=True):
                with (workdir / f"{module}.log").open("ab") as out:
                    fakes.append(subprocess.Popen(
                        [sys.executable, "-m", module, "--port", str(port)], cwd=REPO,
                        stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
            for process, port, module in zip(fakes, ports, ("bpjs", "sirs"), strict=True):
                wait_for_port(port, process, time.monotonic() + 30, workdir / f"{module}.log")
            stack = Stack(workdir, redis, mariadb, f"http://127.0.0.1:{ports[0]}",
                          f"http://127.0.0.1:{ports[1]}")
            mariadb.sql("CREATE DATABASE sik CHARACTER SET latin1; "
                        "CREATE DATABASE bridge CHARACTER SET utf8mb4")
            for part in ("schema.sql", "sample-data.sql"):
                mariadb.load(REPO / "sandbox" / "khanza" / part, "sik")
            settings = stack.settings()
            conn = await db.connect(settings.state_db_url, setting="state")
            try:
                await migrate(conn)
            finally:
                conn.close()
            env = daemon_env(settings)
            stack.producer = Unit("producer", ["producer"], env, workdir / "producer.log")
            stack.worker = Unit("worker", ["worker"], env, workdir / "worker.log")
            units = [stack.producer, stack.worker]
            watchers = []
            for unit in units:
                unit.start()
                watchers.append(asyncio.create_task(unit.supervise()))
            started = time.monotonic()
            today = datetime.now(settings.zone).date()
            print("A. fuzzed inbox", flush=True)
            await phase_fuzz(stack, args, figures)
            print("B. visits under fire", flush=True)
            visits = await phase_visits(stack, args, figures, today)
            print("C. state database down", flush=True)
            await phase_db_down(stack, args, figures, today, visits)
            for unit in units:
                unit.stop()
            for watcher in watchers:
                watcher.cancel()
            figures.add("process exits (producer / worker), not counting our SIGKILL",
                        f"{stack.producer.failures} / {stack.worker.failures}")
            worker_log = stack.worker.log.read_text(errors="replace")
            figures.add("second runs of a running job id refused by the worker (FLUSHALL)",
                        worker_log.count("already running in this worker"))
            dupes = (await query(settings, "SELECT COUNT(*) FROM audit WHERE outcome = "
                                           "'already_done'"))[0][0]
            figures.add("duplicate sends (upstream answered 'already': no effect)", dupes)
            figures.add("total run time", f"{time.monotonic() - started:.0f} s")
            if args.keep_logs:
                args.keep_logs.mkdir(parents=True, exist_ok=True)
                for log in workdir.glob("*.log"):
                    (args.keep_logs / log.name).write_bytes(log.read_bytes())
        finally:
            for unit in units:
                unit.stop()
            for process in fakes:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                process.wait(10)
            mariadb.stop()
            redis.stop()
    return render(figures, args)


def render(figures: Figures, args: argparse.Namespace) -> str:
    size = "quick" if args.quick else "full"
    lines = [f"# Chaos suite ({size} size: {args.events} events, {args.visits} visits "
             f"per phase, seed {args.seed})", "", "| figure | result |", "|---|---|"]
    lines += [f"| {what} | {value} |" for what, value in figures.rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI size (small numbers)")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--big", type=int, default=None, help="1 MB entries to push")
    parser.add_argument("--visits", type=int, default=None)
    parser.add_argument("--faults", type=float, default=0.3)
    parser.add_argument("--db-down", type=float, default=None)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep-logs", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    full = {"events": 10_000, "big": 100, "visits": 300, "db_down": 20.0}
    quick = {"events": 600, "big": 10, "visits": 40, "db_down": 5.0}
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    report = asyncio.run(run(args))
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)


if __name__ == "__main__":
    main()
