"""Fault injection and request recording shared by the fake upstream servers.

The real services fail in a handful of ways (slow answers, HTTP 5xx, gateway
HTML pages, reset connections, requests that never answer, 429). Both fakes
wrap their handlers in the same middleware so tests, benchmarks and the demo
can switch those failures on at run time through ``/_fake/faults`` and read
back what the fake received through ``/_fake/requests``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from aiohttp import web

__all__ = [
    "FAULTS_KEY",
    "RECORDER_KEY",
    "Faults",
    "ReceivedRequest",
    "Recorder",
    "install",
    "serve",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response "
    "from an upstream server.</p></body></html>"
)


@dataclass
class Faults:
    """Knobs; each ``*_rate`` is the share of requests (0..1) that fail that way."""

    latency: float = 0.0
    error_rate: float = 0.0
    html_rate: float = 0.0
    reset_rate: float = 0.0
    timeout_rate: float = 0.0
    throttle_rate: float = 0.0
    hang: float = 30.0
    seed: int | None = None
    _random: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name for f in fields(self) if not f.name.startswith("_")}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown fault knobs: {', '.join(sorted(unknown))}")
        for name, value in values.items():
            if name == "seed":
                self.seed = None if value is None else int(value)
                self._random.seed(self.seed)
                continue
            number = float(value)
            if name.endswith("_rate") and not 0.0 <= number <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
            if number < 0:
                raise ValueError(f"{name} must not be negative")
            setattr(self, name, number)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("_random", None)
        return data

    def draw(self) -> str | None:
        """Pick the failure for one request, or None for a normal answer."""
        roll = self._random.random()
        for name in ("error", "html", "reset", "timeout", "throttle"):
            rate = float(getattr(self, f"{name}_rate"))
            if roll < rate:
                return name
            roll -= rate
        return None


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the fake saw it, before any fault was applied."""

    at: float
    method: str
    path: str
    fault: str | None


class Recorder:
    """Keeps what arrived, for tests (rate limits, ordering) and the inspection API."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self.requests: list[ReceivedRequest] = []

    def add(self, item: ReceivedRequest) -> None:
        if len(self.requests) >= self.limit:
            del self.requests[: self.limit // 10]
        self.requests.append(item)

    def clear(self) -> None:
        self.requests.clear()


FAULTS_KEY = web.AppKey("faults", Faults)
RECORDER_KEY = web.AppKey("recorder", Recorder)


@web.middleware
async def _fault_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/_fake/"):
        return await handler(request)
    faults = request.app[FAULTS_KEY]
    fault = faults.draw()
    request.app[RECORDER_KEY].add(
        ReceivedRequest(time.time(), request.method, request.path, fault)
    )
    if faults.latency:
        await asyncio.sleep(faults.latency)
    if fault == "error":
        return web.Response(status=503, text="Service Unavailable")
    if fault == "html":
        return web.Response(status=200, text=HTML_PAGE, content_type="text/html")
    if fault == "throttle":
        return web.Response(status=429, text="Too Many Requests")
    if fault == "reset":
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise asyncio.CancelledError
    if fault == "timeout":
        await asyncio.sleep(faults.hang)
    return await handler(request)


async def _get_faults(request: web.Request) -> web.Response:
    return web.json_response(request.app[FAULTS_KEY].as_dict())


async def _put_faults(request: web.Request) -> web.Response:
    try:
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        request.app[FAULTS_KEY].update(body)
    except ValueError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    return web.json_response(request.app[FAULTS_KEY].as_dict())


async def _get_requests(request: web.Request) -> web.Response:
    items = [asdict(r) for r in request.app[RECORDER_KEY].requests]
    return web.json_response(items)


async def _delete_requests(request: web.Request) -> web.Response:
    request.app[RECORDER_KEY].clear()
    return web.json_response({"cleared": True})


def install(app: web.Application) -> None:
    """Add the fault middleware and the ``/_fake/faults`` and ``/_fake/requests`` routes."""
    app[FAULTS_KEY] = Faults()
    app[RECORDER_KEY] = Recorder()
    app.middlewares.append(_fault_middleware)
    app.router.add_get("/_fake/faults", _get_faults)
    app.router.add_put("/_fake/faults", _put_faults)
    app.router.add_get("/_fake/requests", _get_requests)
    app.router.add_delete("/_fake/requests", _delete_requests)


async def serve(
    app: web.Application, host: str = "127.0.0.1", port: int = 0
) -> tuple[web.AppRunner, str]:
    """Start ``app`` on ``host:port`` (0 = a free port); returns the runner and its base URL."""
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server
    assert server is not None
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    return runner, f"http://{host}:{bound}"
