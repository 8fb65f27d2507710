"""The fake over HTTP: the gateway checks, the encrypted envelope, routes and ``/_fake/``.

The gateway middleware refuses like BPJS does (metadata only, never a reason);
the reason is logged so a test failure says why.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox import faults
from sandbox.bpjs_encode import encrypt
from sandbox.fake_bpjs.config import BAD_DATE, NO_CONTENT, UNREGISTERED, Answer, FakeBpjsConfig
from sandbox.fake_bpjs.state import Booking, FakeBpjsState, _date
from worker.bpjs import crypto

__all__ = ["CONFIG_KEY", "STATE_KEY", "RunningFake", "create_app", "running"]

logger = logging.getLogger(__name__)

CONFIG_KEY = web.AppKey("bpjs_config", FakeBpjsConfig)
STATE_KEY = web.AppKey("bpjs_state", FakeBpjsState)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _envelope(code: int | str, message: str, response: Any = None) -> web.Response:
    body: dict[str, Any] = {"metadata": {"code": code, "message": message}}
    if response is not None:
        body["response"] = response
    return web.json_response(body)


def _reply(request: web.Request, answer: Answer, *, plain: bool = False) -> web.Response:
    code, message, data = answer
    if data is None or plain:
        return _envelope(code, message, data)
    config = request.app[CONFIG_KEY]
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    secret = config.encrypt_secret or config.secret
    return _envelope(code, message, encrypt(config.consid, secret,
                                                   request.headers["X-timestamp"], text))


def _refusal(request: web.Request) -> str | None:
    """Why the gateway would refuse this request, or None (logged, never sent back)."""
    config, headers = request.app[CONFIG_KEY], request.headers
    if headers.get("X-cons-id") != config.consid:
        return "unknown X-cons-id"
    if not hmac.compare_digest(headers.get("user_key", ""), config.user_key):
        return "wrong user_key"
    stamp = headers.get("X-timestamp", "")
    if not stamp.isdigit() or abs(config.clock() - int(stamp)) > config.skew_seconds:
        return f"X-timestamp {stamp!r} outside the ±{config.skew_seconds:g} s window"
    expected = crypto.signature(config.consid, config.secret, stamp)
    if not hmac.compare_digest(headers.get("X-signature", ""), expected):
        return "signature mismatch"
    return None


@web.middleware
async def _gateway(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/_fake/"):
        return await handler(request)
    reason = _refusal(request)
    if reason is not None:
        logger.info("fake bpjs refuses %s %s: %s", request.method, request.path, reason)
        return _envelope("404", UNREGISTERED)
    return await handler(request)


async def _body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json(loads=json.loads)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _post(method: Callable[[FakeBpjsState, dict[str, Any]], Answer]) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        if body is None:
            return _envelope(201, "Format request tidak valid")  # (guess)
        return _reply(request, method(request.app[STATE_KEY], body))
    return handle


def _get(method: Callable[[FakeBpjsState, dict[str, str]], Answer], plain: bool = False
         ) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        answer = method(request.app[STATE_KEY], dict(request.match_info))
        return _reply(request, answer, plain=plain)
    return handle


def _listing(rows: list[dict[str, Any]], code: int = 1) -> Answer:
    return (code, "Ok", rows) if rows else NO_CONTENT


def _dashboard(s: FakeBpjsState, m: dict[str, str]) -> Answer:
    if "tanggal" in m:
        tanggal = m["tanggal"]
        if _date(tanggal) is None:
            return 201, BAD_DATE, None
        return 200, "Ok", s.dashboard(lambda t: t == tanggal, m["waktu"] == "server")
    prefix = f"{m['tahun']}-{m['bulan'].zfill(2)}-"
    return 200, "Ok", s.dashboard(lambda t: t.startswith(prefix), m["waktu"] == "server")


def _per_jadwal(s: FakeBpjsState, m: dict[str, str]) -> Answer:
    def keep(b: Booking) -> bool:
        day = _date(b.body["tanggalperiksa"])
        return (b.body["kodepoli"] == m["kodepoli"] and str(b.body["kodedokter"])
                == m["kodedokter"] and day is not None and str(day.isoweekday()) == m["hari"]
                and b.body["jampraktek"] == m["jampraktek"])
    return s.pendaftaran(keep)


async def _fake_bookings(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    return web.json_response([b.snapshot() for b in state.bookings.values()])


async def _fake_booking(request: web.Request) -> web.Response:
    booking = request.app[STATE_KEY].bookings.get(request.match_info["kodebooking"])
    if booking is None:
        return web.json_response({"error": "no such booking"}, status=404)
    return web.json_response(booking.snapshot())


async def _fake_seed(request: web.Request) -> web.Response:
    """``{"body": <antrean/add body>, "tasks": {"3": epoch_ms, ...}, "batal": null}``."""
    data = await _body(request)
    body = None if data is None else data.get("body")
    tasks = {} if data is None else data.get("tasks") or {}
    if not isinstance(body, dict) or "kodebooking" not in body or not isinstance(tasks, dict):
        return web.json_response({"error": "need body with kodebooking, tasks as an object"},
                                 status=400)
    try:
        held = {int(k): int(v) for k, v in tasks.items()}
    except (TypeError, ValueError):
        return web.json_response({"error": "tasks must map taskid to epoch ms"}, status=400)
    booking = request.app[STATE_KEY].seed(body, held, batal=data.get("batal") if data else None)
    return web.json_response(booking.snapshot())


async def _fake_reset(request: web.Request) -> web.Response:
    request.app[STATE_KEY].reset()
    return web.json_response({"reset": True})


def create_app(config: FakeBpjsConfig | None = None) -> web.Application:
    """The fake as an aiohttp app, fault injection included (``sandbox.faults``)."""
    config = config or FakeBpjsConfig()
    app = web.Application()
    faults.install(app)  # outermost: faults happen before the gateway, like a proxy's
    app.middlewares.append(_gateway)
    app[CONFIG_KEY] = config
    app[STATE_KEY] = FakeBpjsState(config)
    p = config.base_path.rstrip("/")
    pend = f"{p}/antrean/pendaftaran"
    dash = f"{p}/dashboard/waktutunggu"
    app.router.add_get(f"{p}/ref/poli", _get(lambda s, m: _listing(s.config.poli)))
    app.router.add_get(f"{p}/ref/dokter", _get(lambda s, m: _listing(s.config.dokter)))
    app.router.add_get(f"{p}/ref/poli/fp", _get(lambda s, m: _listing(s.config.poli_fp)))
    app.router.add_get(f"{p}/ref/pasien/fp/identitas/{{jenis}}/noidentitas/{{nomor}}",
                       _get(lambda s, m: s.pasien_fp(m["jenis"], m["nomor"])))
    app.router.add_get(f"{p}/jadwaldokter/kodepoli/{{kodepoli}}/tanggal/{{tanggal}}",
                       _get(lambda s, m: s.jadwal(m["kodepoli"], m["tanggal"])))
    app.router.add_post(f"{p}/jadwaldokter/updatejadwaldokter", _post(FakeBpjsState.update_jadwal))
    app.router.add_post(f"{p}/antrean/add", _post(FakeBpjsState.add))
    app.router.add_post(f"{p}/antrean/farmasi/add", _post(FakeBpjsState.farmasi_add))
    app.router.add_post(f"{p}/antrean/updatewaktu", _post(FakeBpjsState.update_waktu))
    app.router.add_post(f"{p}/antrean/batal", _post(FakeBpjsState.batal))
    app.router.add_post(f"{p}/antrean/getlisttask",
                        _post(lambda s, b: s.list_tasks(str(b.get("kodebooking")))))
    app.router.add_get(f"{dash}/tanggal/{{tanggal}}/waktu/{{waktu:rs|server}}",
                       _get(_dashboard, plain=True))
    app.router.add_get(f"{dash}/bulan/{{bulan:\\d{{1,2}}}}/tahun/{{tahun:\\d{{4}}}}/waktu/"
                       "{waktu:rs|server}", _get(_dashboard, plain=True))
    app.router.add_get(f"{pend}/tanggal/{{tanggal}}", _get(
        lambda s, m: s.pendaftaran(lambda b: b.body["tanggalperiksa"] == m["tanggal"])))
    app.router.add_get(f"{pend}/kodebooking/{{kodebooking}}", _get(
        lambda s, m: s.pendaftaran(lambda b: b.kodebooking == m["kodebooking"])))
    app.router.add_get(f"{pend}/aktif", _get(lambda s, m: s.pendaftaran(s.aktif)))
    app.router.add_get(f"{pend}/kodepoli/{{kodepoli}}/kodedokter/{{kodedokter}}/hari/{{hari}}"
                       "/jampraktek/{jampraktek}", _get(_per_jadwal))
    app.router.add_get("/_fake/bookings", _fake_bookings)
    app.router.add_get("/_fake/bookings/{kodebooking}", _fake_booking)
    app.router.add_post("/_fake/seed", _fake_seed)
    app.router.add_delete("/_fake/state", _fake_reset)
    return app


@dataclass(frozen=True)
class RunningFake:
    """A started fake: ``base_url`` is what ``SIMRS_BRIDGE_BPJS_BASE_URL`` should be."""

    root_url: str
    base_url: str
    app: web.Application
    state: FakeBpjsState
    config: FakeBpjsConfig


@asynccontextmanager
async def running(
    config: FakeBpjsConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[RunningFake]:
    """Serve the fake on ``host:port`` (0 = a free port) for the duration of the block."""
    app = create_app(config)
    runner, root = await faults.serve(app, host, port)
    try:
        cfg = app[CONFIG_KEY]
        yield RunningFake(root, root + cfg.base_path.rstrip("/"), app, app[STATE_KEY], cfg)
    finally:
        await runner.cleanup()
