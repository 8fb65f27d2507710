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
(c) the worker's resident memory with 50,000 real booking jobs queued,
    sampled from ``/proc/<pid>/status`` while ``simrs-bridge worker`` works.

Throughput is timed inside each child from the end of ``on_startup`` (clients
and pools ready) to the end of the burst, so interpreter start-up is not
counted for either side.

Run from the repository root (needs ``redis-server`` and ``mariadbd``)::

    .venv/bin/python bench/bench_pipeline.py --out bench/reports/pipeline.md
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
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from arq import func  # noqa: E402
from arq.connections import RedisSettings  # noqa: E402
from arq.worker import Worker  # noqa: E402

from producers.loop import Producer  # noqa: E402
from sandbox.generate import add_visits  # noqa: E402
from sandbox.services import MariaDBServer, RedisServer, free_port, wait_for_port  # noqa: E402
from worker import db  # noqa: E402
from worker.main import build_worker  # noqa: E402
from worker.queue import (  # noqa: E402
    BPJS_BOOKING,
    QUEUE_NAME,
    SIRS_ANTRIAN,
    booking_job_id,
    deserialize,
    enqueue,
    open_queue,
    serialize,
)
from worker.services import khanza_options  # noqa: E402
from worker.settings import ENV_PREFIX, DatabaseUrl, Settings, load_settings  # noqa: E402
from worker.state.ledger import Ledger  # noqa: E402
from worker.state.migrate import migrate  # noqa: E402
from worker.state.reports import DailyReports  # noqa: E402

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
async def stack(workdir: Path) -> AsyncIterator[Stack]:
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
                log_level="WARNING",
            )
            env_file = workdir / "env"
            env_file.write_text("")
            yield Stack(settings, _env(settings, env_file), f"http://127.0.0.1:{bpjs_port}",
                        f"http://127.0.0.1:{sirs_port}")
    finally:
        mariadb.stop()
        redis.stop()


async def _run_child(stack: Stack, mode: str, log: Path) -> dict[str, float]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).resolve()), "--child", mode, cwd=REPO, env=stack.env,
        stdout=asyncio.subprocess.PIPE, stderr=log.open("ab"),
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{mode} child failed ({process.returncode}); see {log}")
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


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


async def bench_noop(stack: Stack, jobs: int, workdir: Path) -> dict[str, float]:
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
    result = await _run_child(stack, "noop", workdir / "noop.log")
    result["jobs_per_s"] = result["complete"] / result["seconds"]
    return result


# --- (b) the pipeline end to end ---------------------------------------------------------------


async def bench_pipeline(stack: Stack, visits: int, workdir: Path) -> dict[str, float]:
    await _flush(stack)
    await _reset_fakes(stack)
    await _visits(stack, DAY, visits)
    settings = stack.settings
    queue = await open_queue(settings.redis_url)
    khanza = await db.create_pool(settings.khanza_db_url, setting="khanza")
    state = await db.create_pool(settings.state_db_url, setting="state")
    try:
        async with state.acquire() as connection:
            await migrate(connection)
        producer = Producer(khanza=khanza, queue=queue, ledger=Ledger(state),
                            reports=DailyReports(state), options=khanza_options(settings))
        report = await producer.cycle(today=DAY)
    finally:
        for pool in (khanza, state):
            pool.close()
            await pool.wait_closed()
        await queue.aclose()
    result = await _run_child(stack, "pipeline", workdir / "pipeline.log")
    calls = await _fake_calls(stack.bpjs_root) + await _fake_calls(stack.sirs_root)
    result.update(
        visits=visits, enqueued=sum(report.enqueued.values()), producer_s=report.duration,
        calls=calls, jobs_per_s=result["complete"] / result["seconds"],
        calls_per_s=calls / result["seconds"],
    )
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
            sys.executable, "-m", "worker.cli", "worker", cwd=REPO, env=stack.env, stdout=out,
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


def render(noop: dict[str, float], pipe: dict[str, float], rss: dict[str, float]) -> str:
    ratio = pipe["jobs_per_s"] / noop["jobs_per_s"]
    lines = [
        "# Pipeline benchmark",
        "",
        f"{platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
        f"{time.strftime('%Y-%m-%d %H:%M')}",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| (a) arq no-op jobs/s (one worker, JSON, {int(noop['complete'])} jobs) | "
        f"{noop['jobs_per_s']:.0f} ({_cpu_ms(noop):.1f} ms CPU per job) | |",
        f"| (b) pipeline jobs/s ({int(pipe['visits'])} visits, {int(pipe['complete'])} jobs, "
        f"limits off) | {pipe['jobs_per_s']:.0f} ({_cpu_ms(pipe):.1f} ms CPU per job) | |",
        f"| (b) upstream calls/s ({int(pipe['calls'])} calls to the two fakes) | "
        f"{pipe['calls_per_s']:.0f} | |",
        f"| (b)/(a) | {ratio:.0%} | ≥ {TARGET_RATIO:.0%}: {_verdict(ratio >= TARGET_RATIO)} |",
        f"| (c) worker RSS, max over {rss['seconds']:.0f} s with {int(rss['queued'])} jobs "
        f"queued ({int(rss['done'])} done meanwhile) | {rss['rss_max_mb']:.0f} MB "
        f"(start {rss['rss_first_mb']:.0f}, end {rss['rss_last_mb']:.0f}) | "
        f"< {TARGET_RSS_MB:.0f} MB: {_verdict(rss['rss_max_mb'] < TARGET_RSS_MB)} |",
        "",
        f"Producer cycle for (b): {int(pipe['enqueued'])} jobs enqueued in "
        f"{pipe['producer_s']:.2f} s. Failed/retried jobs in (b): {int(pipe['failed'])}/"
        f"{int(pipe['retried'])}.",
        "",
    ]
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-", dir="/tmp") as tmp:
        workdir = Path(tmp)
        async with stack(workdir) as services:
            noop = await bench_noop(services, args.noop_jobs, workdir)
            print(f"(a) {noop}", flush=True)
            pipe = await bench_pipeline(services, args.visits, workdir)
            print(f"(b) {pipe}", flush=True)
            rss = await bench_rss(services, args.rss_jobs, args.rss_seconds, workdir)
            print(f"(c) {rss}", flush=True)
        return render(noop, pipe, rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="also write the markdown table here")
    parser.add_argument("--noop-jobs", type=int, default=20_000)
    parser.add_argument("--visits", type=int, default=2_000, help="(b): 2 jobs per visit")
    parser.add_argument("--rss-jobs", type=int, default=50_000)
    parser.add_argument("--rss-seconds", type=float, default=30.0)
    parser.add_argument("--child", choices=("noop", "pipeline"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        profile = os.environ.get("BENCH_PROFILE")  # a path: cProfile the child into it
        if profile:
            import cProfile

            with cProfile.Profile() as profiler:
                result = asyncio.run(_child(args.child))
            profiler.dump_stats(profile)
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
