"""Serving an aiohttp application as a systemd service (the dashboard, the WS RS).

Both listen on one address, say READY=1 only once the socket is bound, ping
the watchdog while their dependency answers and exit with the code
``core.systemd`` chose (``EXIT_RELOAD`` on SIGHUP). A port that cannot be
bound is a setting to fix, so it names that setting. Kept here once so the two
services start and stop the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from core import systemd
from core.errors import ConfigError

__all__ = ["serve"]


async def serve(
    app: web.Application, *, name: str, host: str, port: int, setting: str,
    health: Callable[[], Awaitable[Any]], announce: Callable[[str], None], path: str = "/",
) -> int:
    """Serve ``app`` on ``host:port`` until a signal; returns the process's exit code.

    ``host`` may be an IPv6 address in brackets; ``setting`` names where the
    address came from, for the error; ``announce`` gets the served URL (ending in
    ``path``) once listening, to log it.
    """
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        async with systemd.running(name, health=health) as life:
            try:
                await web.TCPSite(runner, host.strip("[]"), port).start()
            except OSError as exc:
                raise ConfigError(f"{setting}: cannot listen on {host}:{port}: "
                                  f"{exc.strerror or exc}") from None
            address = runner.addresses[0] if runner.addresses else (host, port)
            url = f"http://{address[0]}:{address[1]}{path}"
            announce(url)
            life.ready(f"serving {url}")
            await life.stop.wait()
        return life.exit_code
    finally:
        await runner.cleanup()
