"""Health of a process's loops, for the systemd watchdog and its STATUS line.

A Redis ping says nothing about whether the work gets done: the inbox reader
once spun on ``NOGROUP`` for hours while the process kept pinging. So each
long-running loop reports every iteration here, good or bad, and the
watchdog pings only while every loop has had a good iteration recently. A
loop that keeps failing past ``stale_after`` (or has stopped iterating at
all) makes the process unhealthy; systemd then restarts it, and the STATUS
line names the loop and its last error for ``systemctl status``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.errors import BridgeError

__all__ = ["LoopState", "Loops", "Unhealthy", "supervise"]

logger = logging.getLogger(__name__)


class Unhealthy(BridgeError):
    """At least one loop has had no good iteration for too long."""


@dataclass
class LoopState:
    stale_after: float
    last_ok: float
    failing_since: float | None = None
    last_error: str | None = None


class Loops:
    def __init__(self) -> None:
        self._loops: dict[str, LoopState] = {}

    def watch(self, name: str, stale_after: float) -> None:
        """Start watching ``name``: it counts as fresh now, with ``stale_after`` seconds."""
        self._loops[name] = LoopState(stale_after, time.monotonic())

    def ok(self, name: str) -> None:
        state = self._loops.get(name)
        if state is None:
            return
        if state.failing_since is not None:
            logger.info("%s: working again after %.0f s of failures", name,
                        time.monotonic() - state.failing_since)
        state.last_ok = time.monotonic()
        state.failing_since = None
        state.last_error = None

    def failed(self, name: str, error: str) -> None:
        state = self._loops.get(name)
        if state is None:
            return
        if state.failing_since is None:
            state.failing_since = time.monotonic()
        state.last_error = error[:200]

    def problems(self) -> list[str]:
        """One line per loop that has had no good iteration within its bound."""
        now = time.monotonic()
        out = []
        for name, state in self._loops.items():
            quiet = now - state.last_ok
            if quiet > state.stale_after:
                why = f": {state.last_error}" if state.last_error else " (no iteration ended)"
                out.append(f"{name} has not worked for {quiet:.0f} s{why}")
        return out

    def status(self) -> str:
        """A short STATUS line for ``systemctl status``."""
        parts = []
        for name, state in self._loops.items():
            parts.append(f"{name} {'failing' if state.failing_since is not None else 'ok'}")
        return ", ".join(parts)

    async def check(self) -> None:
        """The watchdog's health check: raise ``Unhealthy`` naming the stuck loops."""
        problems = self.problems()
        if problems:
            raise Unhealthy("; ".join(problems))


async def supervise(
    name: str, run: Callable[[], Awaitable[None]], stop: asyncio.Event, loops: Loops,
) -> None:
    """Run one loop until ``stop``, restarting it (with backoff) whatever it raises.

    The producer runs the Khanza cycle and the inbox reader side by side: a bug
    one entry or one row trips in either must not take the other down with it.
    """
    delay = 1.0
    while not stop.is_set():
        try:
            await run()
            return
        except Exception as exc:  # the other loops must keep running
            logger.exception("%s loop failed; restarting it in %.0f s", name, delay)
            loops.failed(name, f"{type(exc).__name__}: {exc}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        delay = min(delay * 2, 60.0)
