"""The fake as an aiohttp app, and a started instance with helpers for tests.

Fault injection (``sandbox.faults``) is installed like for the BPJS fake, so
tests drive latency, 5xx and resets through ``/_fake/faults``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from sandbox import faults
from sandbox.fake_sirs import inspection
from sandbox.fake_sirs.config import FakeSirsConfig
from sandbox.fake_sirs.state import FAKE_SIRS_KEY, FakeSirs

__all__ = ["RunningFakeSirs", "create_app", "start"]


def create_app(config: FakeSirsConfig | None = None) -> web.Application:
    """The fake as an aiohttp app, fault injection installed."""
    config = config or FakeSirsConfig()
    fake = FakeSirs(config)
    app = web.Application()
    app[FAKE_SIRS_KEY] = fake
    faults.install(app)
    base = "/" + config.base_path.strip("/") if config.base_path.strip("/") else ""
    inspection.add_routes(app)
    app.router.add_route("*", base + "/{resource:.+}", fake.handle)
    return app


@dataclass
class RunningFakeSirs:
    """A started fake: its state, its root URL, and helpers for the inspection API."""

    state: FakeSirs
    runner: web.AppRunner
    root: str

    @property
    def base_url(self) -> str:
        """What ``SIMRS_BRIDGE_SIRS_BASE_URL`` should be to talk to this fake."""
        return self.root + "/" + self.state.config.base_path.strip("/")

    async def fetch(self, method: str, path: str, body: Any = None) -> Any:
        async with aiohttp.ClientSession() as session:
            async with session.request(method, self.root + path, json=body) as response:
                return await response.json()

    async def requests(self) -> list[tuple[str, str]]:
        """(method, resource) of every RS Online request received, in order."""
        prefix = "/" + self.state.config.base_path.strip("/") + "/"
        items = await self.fetch("GET", "/_fake/requests")
        return [(item["method"], item["path"].removeprefix(prefix)) for item in items]

    async def clear_requests(self) -> None:
        await self.fetch("DELETE", "/_fake/requests")

    async def set_faults(self, **knobs: Any) -> None:
        await self.fetch("PUT", "/_fake/faults", knobs)

    async def close(self) -> None:
        await self.runner.cleanup()


async def start(
    config: FakeSirsConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> RunningFakeSirs:
    """Create and serve the fake (port 0: a free one)."""
    app = create_app(config)
    runner, root = await faults.serve(app, host, port)
    return RunningFakeSirs(app[FAKE_SIRS_KEY], runner, root)

