"""Benchmark the sending pipeline against arq itself, and the worker's memory, in one run.

Three numbers, measured on this machine in one run, each by a separate worker
process (the way systemd runs it) with the fake upstreams in their own
processes, so the fakes are not what is measured:

(a) arq's own ceiling: a no-op job function registered under the same name,
    with the same JSON serializer and worker options as ``worker.main``, on N
    queued jobs, one worker process;
(b) the real pipeline on generated visits (``sandbox.generate``): producer
    cycle, then ``build_worker`` in burst mode sending to the local fakes with
    rate limits off; jobs/s and upstream calls/s, and the ratio to (a);
(b') the read-back of that day (``bpjs_reconcile``, issue 12), which a producer
    cycle also queues: run on its own after (b), one worker, so that (b) measures
    the same live sends as code from before the read-back existed and the read-back's
    own price (CPU ms per booking read back, and per live job) is a figure of its own;
(c) the worker's resident memory with 50,000 real booking jobs queued,
    sampled from ``/proc/<pid>/status`` while ``simrs-bridge worker`` works.

Throughput is timed inside each child from the end of ``on_startup`` (clients
and pools ready) to the end of the burst, so interpreter start-up is not
counted for either side.

Run from the repository root (needs ``redis-server`` and ``mariadbd``)::

    .venv/bin/python bench/bench_pipeline.py --out bench/reports/pipeline.md

Each (b) row also gives the worker's CPU time per job (``process_time`` of the
worker processes: user + system, so socket round trips count) and upstream
calls/s. ``--procs 1,2`` runs (b) with one and with two worker processes;
``--baseline DIR`` runs each (b) again with the code of another checkout (e.g.
``git archive HEAD | tar -x -C DIR``), alternating, so before/after ratios
come from one run on this shared, noisy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from arq import func  # noqa: E402
from arq.connections import RedisSettings  # noqa: E402
from arq.worker import Worker  # noqa: E402

from core import db  # noqa: E402
from core.keys import (  # noqa: E402
    BPJS_BOOKING,
    BPJS_RECONCILE,
    QUEUE_NAME,
    SIRS_ANTRIAN,
    booking_job_id,
    reconcile_job_id,
    reconcile_status_key,
)
from core.queue import deserialize, enqueue, open_queue, serialize  # noqa: E402
from core.settings import ENV_PREFIX, DatabaseUrl, Settings, load_settings  # noqa: E402
from producers.loop import open_producer  # noqa: E402
from sandbox.generate import add_visits  # noqa: E402
from sandbox.services import MariaDBServer, RedisServer, free_port, wait_for_port  # noqa: E402
from worker.main import build_worker  # noqa: E402

DAY = date(2025, 2, 5)
TARGET_RATIO = 0.5
TARGET_RSS_MB = 150.0


# --- children: one worker process each, timed from the end of start-up ----------------------


async def _noop(ctx: dict[str, Any], kodebooking: str, force: bool = False) -> str:
    del ctx, kodebooking, force
    return "ok"


def _timed(worker: Worker) -> Callable[[], Awaitable[dict[str, float]]]:
    ready: list[float] = []
    startup = worker.on_startup

    async def on_startup(ctx: dict[str, Any]) -> None:
        if startup is not None:
            await startup(ctx)
        ready[:] = [time.perf_counter(), time.process_time()]

    worker.on_startup = on_startup

    async def run() -> dict[str, float]:
        try:
            await worker.async_run()
        finally:
            await worker.close()
        end, cpu = time.perf_counter(), time.process_time()
        return {"seconds": end - ready[0], "cpu_seconds": cpu - ready[1],
                "complete": worker.jobs_complete, "failed": worker.jobs_failed,
                "retried": worker.jobs_retried}

    return run


async def _child(mode: str) -> dict[str, float]:
    settings = load_settings()
    if mode == "noop":
        worker = Worker(
            functions=[func(_noop, name=BPJS_BOOKING, keep_result=0)], queue_name=QUEUE_NAME,
            redis_settings=RedisSettings.from_dsn(settings.redis_url),
            max_jobs=settings.worker_max_jobs, job_timeout=settings.job_timeout, keep_result=0,
            poll_delay=0.1, job_serializer=serialize, job_deserializer=deserialize, burst=True,
            handle_signals=False,
        )
    else:
        worker = build_worker(settings, burst=True)
    return await _timed(worker)()


# --- the parent: private servers, fakes, data --------------------------------------------------


@dataclass
class Stack:
    settings: Settings
    env: dict[str, str]
    bpjs_root: str
    sirs_root: str


def _env(settings: Settings, env_file: Path) -> dict[str, str]:
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
    env[ENV_PREFIX + "ENV_FILE"] = str(env_file)
    env["PYTHONPATH"] = str(REPO)
    return env


@contextlib.contextmanager
def _process(args: list[str], log: Path, env: dict[str, str] | None = None
             ) -> Any:
    with log.open("ab") as out:
        process = subprocess.Popen(args, cwd=REPO, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.asynccontextmanager
async def stack(workdir: Path, **overrides: Any) -> AsyncIterator[Stack]:
    redis = RedisServer(workdir / "redis").start()
    mariadb = MariaDBServer(workdir / "mariadb").start()
    try:
        mariadb.sql("CREATE DATABASE sik CHARACTER SET latin1; "
                    "CREATE DATABASE bridge CHARACTER SET utf8mb4")
        for part in ("schema.sql", "sample-data.sql"):
            mariadb.load(REPO / "sandbox" / "khanza" / part, "sik")
        bpjs_port, sirs_port = free_port(), free_port()
        python = sys.executable
        with _process([python, "-m", "sandbox.fake_bpjs", "--port", str(bpjs_port)],
                      workdir / "fake_bpjs.log") as bpjs, \
             _process([python, "-m", "sandbox.fake_sirs", "--port", str(sirs_port)],
                      workdir / "fake_sirs.log") as sirs:
            deadline = time.monotonic() + 30
            wait_for_port(bpjs_port, bpjs, deadline, workdir / "fake_bpjs.log")
            wait_for_port(sirs_port, sirs, deadline, workdir / "fake_sirs.log")
            settings = Settings(
                redis_url=redis.url,
                khanza_db_url=DatabaseUrl.parse(mariadb.url("sik")),
                state_db_url=DatabaseUrl.parse(mariadb.url("bridge")),
                bpjs_base_url=f"http://127.0.0.1:{bpjs_port}/antreanrs",
                sirs_base_url=f"http://127.0.0.1:{sirs_port}/fo/index.php",
                bpjs_rate=0, sirs_rate=0, bpjs_max_concurrency=0, sirs_max_concurrency=0,
                log_level="WARNING", **overrides,
            )
            env_file = workdir / "env"
            env_file.write_text("")
            yield Stack(settings, _env(settings, env_file), f"http://127.0.0.1:{bpjs_port}",
                        f"http://127.0.0.1:{sirs_port}")
    finally:
        mariadb.stop()
        redis.stop()


async def _run_child(stack: Stack, mode: str, log: Path, repo: Path = REPO) -> dict[str, float]:
    """One worker process running ``repo``'s code (another checkout: the code before a change)."""
    env = {**stack.env, "PYTHONPATH": str(repo)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(repo / "bench" / "bench_pipeline.py"), "--child", mode, cwd=repo,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=log.open("ab"),
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{mode} child failed ({process.returncode}); see {log}")
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


async def _run_children(stack: Stack, mode: str, procs: int, log: Path, repo: Path = REPO
                        ) -> dict[str, float]:
    """``procs`` worker processes on one queue: jobs and CPU summed, time the slowest's."""
    results = await asyncio.gather(*(_run_child(stack, mode, log, repo) for _ in range(procs)))
    total = {key: sum(r[key] for r in results) for key in ("cpu_seconds", "complete", "failed",
                                                           "retried")}
    return {**total, "seconds": max(r["seconds"] for r in results), "procs": procs}


async def _fake_calls(root: str) -> int:
    async with aiohttp.ClientSession() as session:
        async with session.get(root + "/_fake/requests") as response:
            items = await response.json()
        async with session.delete(root + "/_fake/requests"):
            pass
    return sum(1 for item in items if not item["path"].startswith("/_fake/"))


async def _reset_fakes(stack: Stack) -> None:
    async with aiohttp.ClientSession() as session:
        for root in (stack.bpjs_root, stack.sirs_root):
            async with session.delete(root + "/_fake/state"):
                pass
            async with session.delete(root + "/_fake/requests"):
                pass


async def _flush(stack: Stack) -> None:
    queue = await open_queue(stack.settings.redis_url)
    try:
        await queue.flushdb()
    finally:
        await queue.aclose()


async def _visits(stack: Stack, day: date, count: int) -> list[str]:
    connection = await db.connect(stack.settings.khanza_db_url, setting="khanza")
    try:
        half = count // 2
        keys = await add_visits(connection, day, half, kind="onsite", resep_every=4)
        keys += await add_visits(connection, day, count - half, kind="mobile_jkn",
                                 start_no=half + 1, resep_every=4)
        return keys
    finally:
        connection.close()


# --- (a) arq's ceiling -------------------------------------------------------------------------


async def bench_noop(stack: Stack, jobs: int, workdir: Path, procs: int = 1
                     ) -> dict[str, float]:
    await _flush(stack)
    queue = await open_queue(stack.settings.redis_url)
    try:
        for start in range(0, jobs, 1000):
            await asyncio.gather(*(
                enqueue(queue, BPJS_BOOKING, f"NOOP{n:08d}",
                        job_id=booking_job_id(BPJS_BOOKING, f"NOOP{n:08d}"))
                for n in range(start, min(start + 1000, jobs))))
    finally:
        await queue.aclose()
    result = await _run_children(stack, "noop", procs, workdir / "noop.log")
    result["jobs_per_s"] = result["complete"] / result["seconds"]
    return result


# --- (b) the pipeline end to end ---------------------------------------------------------------


async def bench_pipeline(stack: Stack, visits: int, workdir: Path, *, day: date = DAY,
                         procs: int = 1, repo: Path = REPO) -> dict[str, float]:
    """(b) on ``day`` (each run its own day: fresh visits, an empty ledger for them)."""
    await _flush(stack)
    await _reset_fakes(stack)
    await _visits(stack, day, visits)
    # The cycle's read-back (and once-a-day schedule check) is left out here and measured
    # on its own afterwards (``bench_readback``): it runs behind the live sends, one call
    # at a time, so inside this burst it would only add its time at the end.
    settings = stack.settings.model_copy(update={"reconcile_interval": 0})
    async with open_producer(settings) as producer:
        report = await producer.cycle(today=day)
    result = await _run_children(stack, "pipeline", procs, workdir / "pipeline.log", repo)
    calls = await _fake_calls(stack.bpjs_root) + await _fake_calls(stack.sirs_root)
    result.update(
        code=0 if repo == REPO else 1, visits=visits, enqueued=sum(report.enqueued.values()),
        producer_s=report.duration, day=day.toordinal(),
        calls=calls, jobs_per_s=result["complete"] / result["seconds"],
        calls_per_s=calls / result["seconds"],
    )
    return result


# --- (b') the day's read-back, after the live sends ---------------------------------------------


async def bench_readback(stack: Stack, live: dict[str, float], workdir: Path
                         ) -> dict[str, float]:
    """(b') ``bpjs_reconcile`` for the day (b) just sent, alone in one worker process:
    every booking is read back once (``getlisttask``) and its steps confirmed."""
    day = date.fromordinal(int(live["day"]))
    queue = await open_queue(stack.settings.redis_url)
    try:
        await queue.enqueue_job(BPJS_RECONCILE, day.isoformat(), _job_id=reconcile_job_id(day))
        result = await _run_children(stack, "pipeline", 1, workdir / "readback.log")
        raw = await queue.get(reconcile_status_key(day))
    finally:
        await queue.aclose()
    calls = await _fake_calls(stack.bpjs_root) + await _fake_calls(stack.sirs_root)
    status = json.loads(raw) if raw else {}
    bookings = int(status.get("bookings", 0))
    result.update(bookings=bookings, confirmed=len(status.get("confirmed", [])), calls=calls,
                  stopped=1 if status.get("stopped") else 0,
                  bookings_per_s=bookings / result["seconds"],
                  calls_per_s=calls / result["seconds"],
                  cpu_ms_per_booking=1000 * result["cpu_seconds"] / max(bookings, 1),
                  live_jobs=live["complete"], live_cpu_seconds=live["cpu_seconds"])
    return result


# --- (c) memory with 50,000 jobs queued --------------------------------------------------------


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def bench_rss(stack: Stack, jobs: int, seconds: float, workdir: Path) -> dict[str, float]:
    await _flush(stack)
    await _reset_fakes(stack)
    keys = await _visits(stack, date(2025, 3, 5), jobs // 2)
    queue = await open_queue(stack.settings.redis_url)
    try:
        for start in range(0, len(keys), 500):
            batch = keys[start:start + 500]
            await asyncio.gather(*(
                enqueue(queue, function, key, job_id=booking_job_id(function, key))
                for key in batch for function in (BPJS_BOOKING, SIRS_ANTRIAN)))
        queued = await queue.zcard(QUEUE_NAME)
    finally:
        await queue.aclose()
    log = workdir / "rss-worker.log"
    samples: list[float] = []
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", "worker", cwd=REPO, env=stack.env, stdout=out,
            stderr=asyncio.subprocess.STDOUT)
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and process.returncode is None:
            rss = _rss_mb(process.pid)
            if rss is not None:
                samples.append(rss)
            await asyncio.sleep(0.25)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await process.wait()
    queue = await open_queue(stack.settings.redis_url)
    try:
        left = await queue.zcard(QUEUE_NAME)
    finally:
        await queue.aclose()
    return {"queued": queued, "done": queued - left, "seconds": seconds,
            "rss_max_mb": max(samples), "rss_last_mb": samples[-1],
            "rss_first_mb": samples[0]}


# --- report ------------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _cpu_ms(result: dict[str, float]) -> float:
    return 1000 * result["cpu_seconds"] / max(result["complete"], 1)


def _procs(result: dict[str, float]) -> str:
    n = int(result.get("procs", 1))
    return "one worker" if n == 1 else f"{n} worker processes"


def render(noops: list[dict[str, float]], pipes: list[dict[str, float]],
           rss: dict[str, float] | None, baseline: str | None, note: str = "",
           readbacks: list[dict[str, float]] | None = None) -> str:
    """One table: the no-op ceiling(s), then each pipeline run with its ratio to the
    one-process ceiling (the issue's measure), CPU per job and upstream calls/s."""
    ceiling = noops[0]["jobs_per_s"]
    lines = [
        "# Pipeline benchmark",
        "",
        f"{platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"{time.strftime('%Y-%m-%d %H:%M')}{note}",
        "",
        "| measure | jobs/s | CPU ms per job | upstream calls/s | ratio to (a) | target |",
        "|---|---|---|---|---|---|",
    ]
    for noop in noops:
        lines.append(
            f"| (a) arq no-op ({_procs(noop)}, JSON, {int(noop['complete'])} jobs) | "
            f"{noop['jobs_per_s']:.0f} | {_cpu_ms(noop):.1f} | | "
            f"{noop['jobs_per_s'] / ceiling:.0%} | |")
    for pipe in pipes:
        ratio = pipe["jobs_per_s"] / ceiling
        code = baseline if pipe.get("code") else "this code"
        target = f"≥ {TARGET_RATIO:.0%}: {_verdict(ratio >= TARGET_RATIO)}"
        lines.append(
            f"| (b) pipeline, {code}, {_procs(pipe)} ({int(pipe['visits'])} visits, "
            f"{int(pipe['complete'])} jobs, {int(pipe['calls'])} calls, limits off) | "
            f"{pipe['jobs_per_s']:.0f} | {_cpu_ms(pipe):.1f} | {pipe['calls_per_s']:.0f} | "
            f"{ratio:.0%} | {target} |")
    for back in readbacks or []:
        live_ms = 1000 * back["cpu_seconds"] / max(back["live_jobs"], 1)
        lines.append(
            f"| (b') read-back of (b)'s day, this code, one worker (`bpjs_reconcile`: "
            f"{int(back['bookings'])} bookings, {int(back['confirmed'])} confirmed, "
            f"{int(back['calls'])} calls) | {back['bookings_per_s']:.0f} bookings/s | "
            f"{back['cpu_ms_per_booking']:.2f} per booking = {live_ms:.2f} per live job | "
            f"{back['calls_per_s']:.0f} | | |")
        both = 1000 * (back["cpu_seconds"] + back["live_cpu_seconds"]) / max(
            back["live_jobs"], 1)
        lines.append(f"| (b) + (b'), this code: live sends and their read-back, CPU per "
                     f"live job | | {both:.1f} | | | |")
    if rss is not None:
        lines.append(
            f"| (c) worker RSS, max over {rss['seconds']:.0f} s with {int(rss['queued'])} jobs "
            f"queued ({int(rss['done'])} done meanwhile) | {rss['rss_max_mb']:.0f} MB "
            f"(start {rss['rss_first_mb']:.0f}, end {rss['rss_last_mb']:.0f}) | | | | "
            f"< {TARGET_RSS_MB:.0f} MB: {_verdict(rss['rss_max_mb'] < TARGET_RSS_MB)} |")
    lines.append("")
    for pipe in pipes:
        lines.append(
            f"- {'baseline' if pipe.get('code') else 'this code'}, {_procs(pipe)}: producer "
            f"cycle {int(pipe['enqueued'])} jobs in {pipe['producer_s']:.2f} s; failed/retried "
            f"jobs {int(pipe['failed'])}/{int(pipe['retried'])}.")
    lines.append("")
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> str:
    procs = sorted({int(n) for n in args.procs.split(",")})
    repos = [REPO] + ([args.baseline.resolve()] if args.baseline else [])
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-", dir="/tmp") as tmp:
        workdir = Path(tmp)
        overrides = {"worker_max_jobs": args.max_jobs} if args.max_jobs else {}
        load = os.getloadavg()[0]
        async with stack(workdir, **overrides) as services:
            noops = []
            for n in sorted({1, *procs}) if args.noop_procs else [1]:
                noops.append(await bench_noop(services, args.noop_jobs, workdir, n))
                print(f"(a) {noops[-1]}", flush=True)
            pipes, readbacks = [], []
            runs = [(n, repo) for n in procs for repo in repos]  # alternate: same conditions
            for index, (n, repo) in enumerate(runs):
                day = DAY + timedelta(days=10 * index)  # outside every other run's window
                pipes.append(await bench_pipeline(services, args.visits, workdir, day=day,
                                                  procs=n, repo=repo))
                print(f"(b) {pipes[-1]}", flush=True)
                if repo == REPO and n == procs[0] and args.readback:
                    readbacks.append(await bench_readback(services, pipes[-1], workdir))
                    print(f"(b') {readbacks[-1]}", flush=True)
            rss = None
            if args.rss_jobs:
                rss = await bench_rss(services, args.rss_jobs, args.rss_seconds, workdir)
                print(f"(c) {rss}", flush=True)
        note = (f" · load average {load:.1f} at start · worker_max_jobs "
                f"{services.settings.worker_max_jobs}")
        label = args.baseline_label or f"code of {args.baseline}"
        return render(noops, pipes, rss, label if args.baseline else None, note, readbacks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="also write the markdown table here")
    parser.add_argument("--noop-jobs", type=int, default=20_000)
    parser.add_argument("--visits", type=int, default=2_000, help="(b): 2 jobs per visit")
    parser.add_argument("--procs", default="1",
                        help="(b): worker processes, e.g. 1,2 for one run with each")
    parser.add_argument("--noop-procs", action="store_true",
                        help="(a) with each --procs count too, not only one process")
    parser.add_argument("--baseline", type=Path,
                        help="(b) also with the code of this checkout (e.g. `git archive HEAD`)")
    parser.add_argument("--baseline-label", help="how the report names --baseline")
    parser.add_argument("--max-jobs", type=int,
                        help="SIMRS_BRIDGE_WORKER_MAX_JOBS for every worker (default: its default)")
    parser.add_argument("--no-readback", dest="readback", action="store_false",
                        help="skip (b'), the day's read-back after (b)")
    parser.add_argument("--rss-jobs", type=int, default=50_000, help="(c); 0 skips it")
    parser.add_argument("--rss-seconds", type=float, default=30.0)
    parser.add_argument("--child", choices=("noop", "pipeline"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        profile = os.environ.get("BENCH_PROFILE")  # a path: cProfile the child into it
        if profile:
            import cProfile

            with cProfile.Profile() as profiler:
                result = asyncio.run(_child(args.child))
            profiler.dump_stats(profile.replace("{pid}", str(os.getpid())))
        else:
            result = asyncio.run(_child(args.child))
        print(json.dumps(result), flush=True)
        return
    report = asyncio.run(main_async(args))
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)


if __name__ == "__main__":
    main()
