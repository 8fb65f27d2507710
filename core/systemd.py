"""Talking to systemd: readiness, the watchdog, stopping, and SIGHUP as "restart me".

The units are ``Type=notify`` with ``WatchdogSec``: systemd considers a process
started only when it says ``READY=1``, and restarts it when the ``WATCHDOG=1``
pings stop (a process wedged on a dead socket is restarted instead of
silently doing nothing). The protocol is one datagram per message to the
socket in ``$NOTIFY_SOCKET`` (a path, or ``@name`` in the abstract namespace),
so it is a dozen lines here rather than a dependency. Outside systemd the
variable is absent and every call is a no-op.

SIGHUP means "read the settings again". Settings are frozen for a process's
life (pydantic ``frozen=True``; clients, pools and limiters are built from
them), so the honest way to apply new ones is a fresh process: the command
drains like on SIGTERM and exits with ``EXIT_RELOAD``; the units restart on
that code (``Restart=on-failure`` covers it, ``RestartForceExitStatus`` makes
it explicit), and the new process reads ``/etc/simrs-bridge/env`` again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from arq.worker import Worker

from core import exitcodes

__all__ = [
    "EXIT_RELOAD",
    "Lifecycle",
    "notify",
    "ready",
    "run_worker",
    "running",
    "stopping",
    "watchdog_interval",
]

logger = logging.getLogger(__name__)

EXIT_RELOAD = exitcodes.RELOAD  # EX_TEMPFAIL: "try again", as a restart for new settings is


def _address(environ: Mapping[str, str]) -> str | None:
    path = environ.get("NOTIFY_SOCKET", "")
    if not path:
        return None
    # Abstract-namespace sockets are written with a leading '@' and start with NUL.
    return "\0" + path[1:] if path.startswith("@") else path


def notify(message: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send one notification (e.g. ``"READY=1"``); False when not under systemd."""
    address = _address(os.environ if environ is None else environ)
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode("utf-8"))
    except OSError as exc:
        # Losing a notification must never take the daemon down; systemd will say so.
        logger.warning("could not notify systemd (%s): %s", message.split("=")[0], exc)
        return False
    return True


def ready(status: str | None = None) -> bool:
    return notify("READY=1" + (f"\nSTATUS={status}" if status else ""))


def stopping() -> bool:
    return notify("STOPPING=1")


def watchdog_interval(environ: Mapping[str, str] | None = None) -> float | None:
    """Seconds between pings (half of ``WatchdogSec``), or None without a watchdog."""
    env = os.environ if environ is None else environ
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) <= 0:
        return None
    if pid.isdigit() and int(pid) != os.getpid():
        return None  # meant for another process (we were started by a wrapper)
    return int(usec) / 1_000_000 / 2


class Lifecycle:
    """One long-running command's life under systemd.

    ``stop`` is set by SIGTERM, SIGINT or SIGHUP; ``reload`` tells whether it was
    SIGHUP, and ``exit_code`` turns that into the code the unit restarts on.
    ``health`` (optional) is awaited before each watchdog ping: a process whose
    event loop runs but whose Redis is gone keeps pinging only if ``health``
    does not raise (a failed check skips the ping; systemd restarts us).
    """

    def __init__(self, name: str,
                 health: Callable[[], Awaitable[Any]] | None = None,
                 status: Callable[[], str] | None = None) -> None:
        self.name = name
        self._status = status
        self.stop = asyncio.Event()
        self.reload = False
        self.signal: int | None = None
        self._health = health
        self._watchdog: asyncio.Task[None] | None = None

    @property
    def exit_code(self) -> int:
        return EXIT_RELOAD if self.reload else 0

    def on_signal(self, signum: int, then: Callable[[], object] | None = None) -> None:
        if signum == signal.SIGHUP:
            self.reload = True
            logger.info("%s: SIGHUP, draining, then exiting %d to be restarted with new "
                        "settings", self.name, EXIT_RELOAD)
        else:
            logger.info("%s: %s, stopping", self.name, signal.Signals(signum).name)
        self.signal = signum
        stopping()
        self.stop.set()
        if then is not None:
            then()

    def install_signals(self, then: Callable[[], object] | None = None) -> None:
        """SIGTERM/SIGINT stop, SIGHUP stops for a restart; ``then`` runs after each."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(signum, self.on_signal, signum, then)

    def ready(self, status: str | None = None) -> None:
        """Tell systemd we serve, and start the watchdog pings if the unit wants them."""
        ready(status)
        interval = watchdog_interval()
        if interval is not None and self._watchdog is None:
            self._watchdog = asyncio.create_task(self._ping(interval), name="sd-watchdog")

    async def _ping(self, interval: float) -> None:
        while not self.stop.is_set():
            healthy = True
            if self._health is not None:
                try:
                    await asyncio.wait_for(self._health(), timeout=interval)
                except Exception as exc:  # noqa: BLE001 - any failure means "do not ping"
                    healthy = False
                    logger.warning("%s: health check failed, not pinging the watchdog: %s",
                                   self.name, exc)
            if healthy:
                notify("WATCHDOG=1")
            if self._status is not None:
                notify(f"STATUS={self._status()}")  # per loop, for systemctl status
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=interval)

    async def close(self) -> None:
        stopping()
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
            self._watchdog = None


@contextlib.asynccontextmanager
async def running(name: str, *, then: Callable[[], object] | None = None,
                  health: Callable[[], Awaitable[Any]] | None = None,
                  ) -> AsyncIterator[Lifecycle]:
    """Signals installed, STOPPING=1 and the watchdog stopped on the way out.

    The body calls ``life.ready()`` once it actually serves.
    """
    life = Lifecycle(name, health)
    life.install_signals(then)
    try:
        yield life
    finally:
        await life.close()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(signum)


async def run_worker(worker: Worker) -> int:
    """Run an arq worker under systemd; the exit code says whether to restart for new settings.

    READY=1 goes out after ``on_startup`` (clients built, state database
    migrated), not before. SIGTERM, SIGINT and SIGHUP all drain the same way:
    arq stops picking jobs and gives running ones ``job_completion_wait``
    seconds (``SIMRS_BRIDGE_SHUTDOWN_GRACE``); a job still running then is
    cancelled and stays queued for the next worker. Only the exit code differs.
    """
    loops = getattr(worker, "loops", None)

    async def health() -> None:
        # The poll loop's own record, not a ping: a Redis restart is ridden out inside
        # the process (worker/resilient.py), while a poll wedged on a dead socket, or
        # failing for minutes, stops reporting and so stops the watchdog.
        if loops is not None:
            await loops.check()
        else:
            await worker.pool.ping()

    life = Lifecycle("worker", health=health,
                     status=None if loops is None else loops.status)
    startup = worker.on_startup

    async def started(ctx: dict[Any, Any]) -> None:
        if startup is not None:
            await startup(ctx)
        life.ready(f"taking jobs from {worker.queue_name}")

    worker.on_startup = started

    def drain(signum: int) -> None:
        life.on_signal(signum)
        if worker._job_completion_wait:  # arq's own handler for the same choice
            worker.handle_sig_wait_for_completion(signal.Signals(signum))
        else:
            worker.handle_sig(signal.Signals(signum))

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(signum, drain, signum)
    try:
        await worker.async_run()
    except asyncio.CancelledError:
        logger.info("worker stopped")
    finally:
        await life.close()
        await worker.close()
    return life.exit_code
