"""The aiohttp application: routing, limits, token checks, audit and metrics around handlers.

Every answer is the WS RS envelope ``{response?, metadata:{message, code}}``.
The HTTP status equals the metadata code (200, 201, 202), as Khanza's web service
answers and BPJS has accepted for years; all three are 2xx, so a client that
only reads bodies of successful responses still reads ours (docs/wsrs.md).
Nothing a caller sends can produce a 500 or a traceback: oversized and
malformed bodies, wrong types and database trouble all become a 201 with a
message, logged for the hospital, and nothing half-written (every write is one
transaction).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiomysql
from aiohttp import web
from arq.connections import ArqRedis

from core.errors import Outcome
from core.khanza.writes.refusal import Refused
from core.observe import CallRecord
from core.settings import Settings
from core.state.audit import AuditLog
from wsrs.limits import RateLimiter
from wsrs.metrics import WsrsMetrics
from wsrs.token import TokenError, Tokens, same

__all__ = ["SERVICE", "Answer", "Service", "create_app", "envelope"]

logger = logging.getLogger(__name__)

Answer = tuple[int, str, dict[str, Any] | None]
Handler = Callable[["Service", dict[str, Any]], Awaitable[Answer]]

INTERNAL = "Maaf terjadi kesalahan, silakan coba beberapa saat lagi"


@dataclass
class Service:
    """What the handlers share, built once per process (``app.commands.wsrs``)."""

    settings: Settings
    khanza: aiomysql.Pool
    tokens: Tokens
    limiter: RateLimiter
    metrics: WsrsMetrics
    audit: AuditLog | None = None
    queue: ArqRedis | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def now(self) -> datetime:
        """The hospital's wall clock (naive), which is what Khanza stores."""
        return self.clock().astimezone(self.settings.zone).replace(tzinfo=None)


SERVICE = web.AppKey("wsrs_service", Service)


def envelope(code: int, message: str, response: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {}
    if response is not None:
        body["response"] = response
    body["metadata"] = {"message": message, "code": code}
    return web.json_response(body, status=code)


def _client(request: web.Request) -> str:
    peer = request.remote or "?"
    # Behind the documented reverse proxy (on loopback) the client is in X-Real-IP.
    if peer in ("127.0.0.1", "::1") and request.headers.get("X-Real-IP"):
        return request.headers["X-Real-IP"].strip()[:64]
    return peer


async def _token(request: web.Request, service: Service) -> Answer:
    username = request.headers.get("x-username", "")
    password = request.headers.get("x-password", "")
    if not username or not password:
        return 201, "Username dan Password wajib diisi", None
    expected = service.settings.wsrs_password.get_secret_value()
    user_ok = same(username, service.settings.wsrs_username)
    pass_ok = same(password, expected)
    if not (user_ok and pass_ok):
        return 201, "Username atau Password Tidak Sesuai", None
    return 200, "Ok", {"token": service.tokens.issue(service.clock())}


async def _body(request: web.Request) -> dict[str, Any] | str:
    """The JSON object of the request, or the patient's message about why not."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return "Ukuran data terlalu besar"
    try:
        value = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError):
        return "Format data tidak sesuai (harus JSON)"
    if not isinstance(value, dict):
        return "Format data tidak sesuai (harus JSON)"
    return value


def _route(name: str, handler: Handler | None) -> Callable[[web.Request],
                                                           Awaitable[web.Response]]:
    async def serve(request: web.Request) -> web.Response:
        service = request.app[SERVICE]
        started = time.perf_counter()
        body: dict[str, Any] | str = {}
        reason: str | None = None
        if not service.limiter.allow(_client(request)):
            answer: Answer = (201, "Terlalu banyak permintaan, silakan coba lagi sebentar", None)
            reason = "rate limit"
        elif handler is None:
            answer = await _token(request, service)
        else:
            answer, reason, body = await _call(request, service, handler)
        code, message, response = answer
        if code != 200 and reason is None:
            reason = message
        elapsed = time.perf_counter() - started
        service.metrics.observe(name, code, reason if code != 200 else None, elapsed)
        if service.audit is not None:
            await service.audit.record(CallRecord(
                upstream="wsrs", method=request.method, path=name,
                outcome=Outcome.DONE if code == 200 else Outcome.PERMANENT,
                duration_ms=int(elapsed * 1000), http_status=code, code=str(code),
                message=message, request_body=json.dumps(body, default=str)
                if isinstance(body, dict) and name != "auth" else None,
                response_body=None if name == "auth" else json.dumps(response, default=str),
            ))
        return envelope(code, message, response)
    return serve


async def _call(request: web.Request, service: Service,
                handler: Handler) -> tuple[Answer, str | None, dict[str, Any] | str]:
    username = request.headers.get("x-username", "")
    token = request.headers.get("x-token", "")
    if not username or not token:
        return (201, "Username dan Token wajib diisi", None), "token missing", {}
    try:
        service.tokens.check(token, username, service.clock())
    except TokenError as exc:
        return (201, exc.message, None), exc.message, {}
    body = await _body(request)
    if isinstance(body, str):
        return (201, body, None), body, {}
    try:
        return await handler(service, body), None, body
    except Refused as exc:
        return (exc.code, exc.message, None), exc.reason, body
    except Exception:  # the caller gets a message, the hospital the traceback in its log
        logger.exception("wsrs %s failed", request.path.rsplit("/", 1)[-1])
        return (201, INTERNAL, None), "internal error", body


async def _metrics(request: web.Request) -> web.Response:
    return web.Response(body=request.app[SERVICE].metrics.render(),
                        content_type="text/plain", charset="utf-8")


async def _wrong_method(request: web.Request) -> web.Response:
    return envelope(201, "Methode tersebut tidak bisa digunakan")


def create_app(service: Service, handlers: dict[str, Handler]) -> web.Application:
    """The WS RS under ``SIMRS_BRIDGE_WSRS_BASE_PATH``: ``GET auth``, ``POST`` the rest."""
    app = web.Application(client_max_size=service.settings.wsrs_body_limit)
    app[SERVICE] = service
    base = service.settings.wsrs_base_path
    app.router.add_get(f"{base}/auth", _route("auth", None))
    app.router.add_post(f"{base}/auth", _wrong_method)
    for name, handler in handlers.items():
        app.router.add_post(f"{base}/{name}", _route(name, handler))
        app.router.add_get(f"{base}/{name}", _wrong_method)
    app.router.add_get("/metrics", _metrics)
    return app
