"""The demo: the whole daemon against fakes on one machine, until Ctrl-C.

Starts private Redis and MariaDB servers under ``.demo/`` (never the system
ones), loads the sample Khanza day, creates the read-only account the daemon
uses for Khanza and its own state database, starts the fake BPJS and RS Online
servers, writes ``.demo/env`` and runs ``check`` against all of it. Then the
daemon itself, as a hospital runs it: ``simrs-bridge worker``, ``producer``
and ``dashboard`` as separate processes reading that env file. The sample day
(2025-01-15) is synced once, with the fake BPJS already holding what Khanza's
old sender had sent, and then ``hospital_day`` plays a day TODAY in the
hospital's zone, a few events a second, so the dashboard shows live flow.

Ctrl-C stops it all: the producer first, then the worker (it drains), the
dashboard, the fakes and the private servers. No process is left behind.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from app.commands.check import run_checks
from core.settings import DatabaseUrl, Settings, load_settings
from sandbox import fake_bpjs, fake_sirs
from sandbox.demo_bookings import book_during_the_day
from sandbox.faults import serve
from sandbox.hospital_day import HospitalDay
from sandbox.sample_day import DAY, preload_what_bpjs_already_has
from sandbox.services import MariaDBServer, RedisServer, free_port
from sandbox.tour import tour

__all__ = ["main", "settings_values", "write_env"]

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).resolve().parent / "khanza"
KHANZA_USER = ("simrs_bridge_ro", "demo-khanza-password")
STATE_USER = ("simrs_bridge", "demo-state-password")
WSRS_USER = ("simrs_bridge_wsrs", "demo-wsrs-password")
STOP_ORDER = ("wsrs", "producer", "worker", "dashboard")
# The WS RS account's grants (docs/wsrs.md), pasienbaru's and the surgery reads included.
WSRS_GRANTS = (
    "SELECT, INSERT ON sik.pasien", "SELECT ON sik.poliklinik", "SELECT ON sik.dokter",
    "SELECT ON sik.maping_poli_bpjs", "SELECT ON sik.maping_dokter_dpjpvclaim",
    "SELECT, UPDATE ON sik.jadwal", "SELECT, INSERT, UPDATE ON sik.reg_periksa",
    "SELECT, INSERT, UPDATE ON sik.referensi_mobilejkn_bpjs",
    "INSERT ON sik.referensi_mobilejkn_bpjs_batal", "SELECT ON sik.resep_obat",
    "SELECT ON sik.booking_operasi", "SELECT ON sik.paket_operasi",
    "SELECT, INSERT, UPDATE, DELETE ON sik.set_no_rkm_medis",
    "SELECT ON sik.set_urut_no_rkm_medis", "SELECT, INSERT ON sik.kelurahan",
    "SELECT, INSERT ON sik.kecamatan", "SELECT, INSERT ON sik.kabupaten",
    "SELECT, INSERT ON sik.propinsi",
)
# The Mobile JKN check-in opens a visit (task 1 new, task 3 returning patient), so the
# fake Mobile JKN's check-ins reach BPJS with their time; the rest as Khanza's sender.
# Walk-ins have no check-in: their task 3 is the medical-record file sent (the chain
# a|b takes b's time when a has none), and they have no task 1 (no honest source).
TASK_SOURCES = ("1=referensi_mobilejkn_bpjs.checkin,"
                "3=referensi_mobilejkn_bpjs.checkin|mutasi_berkas.dikirim,"
                "4=mutasi_berkas.diterima,5=pemeriksaan_ralan.first,6=resep_obat.validasi,"
                "7=resep_obat.penyerahan")


def prepare_databases(maria: MariaDBServer) -> None:
    """A fresh sample day every run, and least-privilege accounts like production's."""
    maria.sql("DROP DATABASE IF EXISTS sik; CREATE DATABASE sik CHARACTER SET latin1;"
              "DROP DATABASE IF EXISTS simrs_bridge;")
    maria.load(FIXTURE / "schema.sql", "sik")
    maria.load(FIXTURE / "sample-data.sql", "sik")
    ro, ro_pw = KHANZA_USER
    rw, rw_pw = STATE_USER
    maria.sql(
        "CREATE DATABASE IF NOT EXISTS simrs_bridge CHARACTER SET utf8mb4;"
        f"CREATE USER IF NOT EXISTS '{ro}'@'127.0.0.1' IDENTIFIED BY '{ro_pw}';"
        f"GRANT SELECT ON sik.* TO '{ro}'@'127.0.0.1';"
        f"CREATE USER IF NOT EXISTS '{rw}'@'127.0.0.1' IDENTIFIED BY '{rw_pw}';"
        f"GRANT ALL ON simrs_bridge.* TO '{rw}'@'127.0.0.1';"
    )
    ws, ws_pw = WSRS_USER
    maria.sql(f"CREATE USER IF NOT EXISTS '{ws}'@'127.0.0.1' IDENTIFIED BY '{ws_pw}';"
              + "".join(f"GRANT {grant} TO '{ws}'@'127.0.0.1';" for grant in WSRS_GRANTS))


def settings_values(settings: Settings) -> dict[str, str]:
    """Every setting as the env file spells it (secrets revealed: the file is 0600)."""
    values = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            text = value.get_secret_value()
        elif isinstance(value, DatabaseUrl):
            text = value.render(reveal=True)
        else:
            text = str(value).lower() if isinstance(value, bool) else str(value)
        values[name.upper()] = text
    return values


def write_env(path: Path, values: dict[str, str]) -> None:
    path.write_text("".join(f"SIMRS_BRIDGE_{k}={v}\n" for k, v in values.items()))
    path.chmod(0o600)


class Daemon:
    """The daemon's processes, each ``python -m app.cli <command>`` with the demo's env."""

    def __init__(self, env_file: Path, logs: Path) -> None:
        self.logs = logs
        logs.mkdir(parents=True, exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SIMRS_BRIDGE_")}
        self.env["SIMRS_BRIDGE_ENV_FILE"] = str(env_file)
        self.env.pop("NOTIFY_SOCKET", None)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def _args(self, *command: str) -> list[str]:
        return [sys.executable, "-m", "app.cli", *command]

    def start(self, name: str, *command: str) -> None:
        with (self.logs / f"{name}.log").open("ab") as out:
            # Own session: the terminal's Ctrl-C reaches the demo, which stops them in order.
            self.processes[name] = subprocess.Popen(
                self._args(*command), stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=self.env, cwd=REPO, start_new_session=True)

    async def once(self, *command: str) -> str:
        process = await asyncio.create_subprocess_exec(
            *self._args(*command), stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, env=self.env, cwd=REPO)
        out, _ = await process.communicate()
        text = out.decode(errors="replace").strip()
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {text}")
        return text

    def dead(self) -> list[str]:
        return [n for n, p in self.processes.items() if p.poll() is not None]

    def stop(self, grace: float = 30.0) -> None:
        for name in STOP_ORDER:
            process = self.processes.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in %.0f s; killed", name, grace)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


async def wait_for_http(url: str, deadline: float) -> None:
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer in time")
            await asyncio.sleep(0.2)


async def run(directory: Path, bpjs_port: int, sirs_port: int, dashboard_port: int,
              rate: float, tour_delay: float = 15.0) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    defaults = load_settings()
    redis = RedisServer(directory / "redis", appendonly=True).start()
    maria = MariaDBServer(directory / "mariadb").start()
    runners: list[web.AppRunner] = []
    daemon: Daemon | None = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        prepare_databases(maria)
        bpjs_app = fake_bpjs.create_app(fake_bpjs.FakeBpjsConfig(
            consid=defaults.bpjs_cons_id,
            secret=defaults.bpjs_secret.get_secret_value(),
            user_key=defaults.bpjs_user_key.get_secret_value(),
            timezone=defaults.timezone,
        ))
        sirs_app = fake_sirs.create_app(fake_sirs.FakeSirsConfig(
            rs_id=defaults.sirs_rs_id, password=defaults.sirs_password.get_secret_value(),
        ))
        bpjs_runner, bpjs_base = await serve(bpjs_app, port=bpjs_port)
        sirs_runner, sirs_base = await serve(sirs_app, port=sirs_port)
        runners += [bpjs_runner, sirs_runner]
        env_file = directory / "env"
        token = secrets.token_urlsafe(12)
        wsrs_port, wsrs_password = free_port(), secrets.token_urlsafe(12)
        write_env(env_file, {
            "REDIS_URL": redis.url,
            "KHANZA_DB_URL": maria.url("sik", *KHANZA_USER),
            "STATE_DB_URL": maria.url("simrs_bridge", *STATE_USER),
            "BPJS_BASE_URL": f"{bpjs_base}/antreanrs",
            "SIRS_BASE_URL": f"{sirs_base}/fo/index.php",
            "PRODUCER_INTERVAL": "2",
            "SHUTDOWN_GRACE": "10",
            "DASHBOARD_PORT": str(dashboard_port),
            "DASHBOARD_TOKEN": token,
            "WSRS_DB_URL": maria.url("sik", *WSRS_USER),
            "WSRS_LISTEN": f"127.0.0.1:{wsrs_port}",
            "WSRS_PASSWORD": wsrs_password,
            "WSRS_TOKEN_KEY": secrets.token_urlsafe(48),
            "TASK_SOURCES": TASK_SOURCES,
        })
        settings = load_settings(env_file)
        print(f"demo: Redis {redis.url}, MariaDB 127.0.0.1:{maria.port} (sample day in `sik`)")
        print(f"demo: fake BPJS {settings.bpjs_base_url}, fake RS Online {settings.sirs_base_url}")
        await preload_what_bpjs_already_has(settings, bpjs_app[fake_bpjs.STATE_KEY])
        daemon = Daemon(env_file, directory / "logs")
        await daemon.once("migrate")
        loaded = await daemon.once("beds", "mapping", "load", str(FIXTURE / "bed-mapping.csv"))
        print(f"demo: bed mapping: {loaded.splitlines()[-1]}")
        for result in await run_checks(settings):
            print(f"  {result.label} {result.name:<10} {result.detail}")
        daemon.start("worker", "worker")
        daemon.start("dashboard", "dashboard")
        print(f"demo: sample day {DAY}: "
              + (await daemon.once("producer", "--day", DAY.isoformat())).splitlines()[-1])
        daemon.start("producer", "producer")
        daemon.start("wsrs", "wsrs")
        url = f"http://127.0.0.1:{dashboard_port}/"
        await wait_for_http(url + "healthz", time.monotonic() + 30)
        print(f"demo: dashboard {url}  (operator token for replay: {token})")
        print(f"demo: daemon logs in {daemon.logs}; settings in {env_file}; try: "
              f"SIMRS_BRIDGE_ENV_FILE={env_file} .venv/bin/simrs-bridge dead-letters list")
        print(f"demo: a hospital day in {settings.timezone} starts now, "
              f"~{rate:g} events/s; press Ctrl-C to stop", flush=True)
        day = HospitalDay(DatabaseUrl.parse(maria.url("sik")), settings.zone, rate=rate)
        simulation = asyncio.create_task(day.run(stop))
        guided = asyncio.create_task(tour(
            settings, url, bpjs_base, stop, lambda line: print(f"demo: {line}", flush=True),
            delay=tour_delay))
        wsrs_url = f"http://127.0.0.1:{wsrs_port}{settings.wsrs_base_path}"
        await wait_for_http(f"http://127.0.0.1:{wsrs_port}/metrics", time.monotonic() + 30)
        print(f"demo: WS RS for Mobile JKN on {wsrs_url}/ (user {settings.wsrs_username}); "
              "a fake Mobile JKN books, checks in and cancels through it", flush=True)
        mobile = asyncio.create_task(book_during_the_day(
            DatabaseUrl.parse(maria.url("sik")), wsrs_url, settings.wsrs_username,
            wsrs_password, settings.zone, stop,
            say=lambda line: print(f"demo: {line}", flush=True)))
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=15)
            if simulation.done():
                simulation.result()  # a crashed simulation ends the demo with its error
                break
            if daemon.dead():
                print(f"demo: {', '.join(daemon.dead())} exited; see {daemon.logs}")
                break
            print(f"demo: so far {day.counts.line()}", flush=True)
        stop.set()
        await simulation
        await guided
        print(f"demo: Mobile JKN bookings through the WS RS: {await mobile}")
        print("demo: stopping")
    finally:
        stop.set()
        if daemon is not None:
            daemon.stop()
        for runner in runners:
            await runner.cleanup()
        maria.stop()
        redis.stop()
        print("demo: stopped", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=REPO / ".demo", help="state directory")
    parser.add_argument("--bpjs-port", type=int, default=8181, help="0: a free port")
    parser.add_argument("--sirs-port", type=int, default=8182, help="0: a free port")
    parser.add_argument("--dashboard-port", type=int, default=8180, help="0: a free port")
    parser.add_argument("--rate", type=float, default=3.0, help="hospital events per second")
    parser.add_argument("--tour-delay", type=float, default=15.0,
                        help="seconds before the tour (a daily report, a BPJS outage) starts")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args.dir.resolve(), args.bpjs_port or free_port(),
                        args.sirs_port or free_port(), args.dashboard_port or free_port(),
                        args.rate, args.tour_delay))
    return 0


if __name__ == "__main__":
    sys.exit(main())
