"""The dashboard's aiohttp application: the page, JSON, /metrics and the replay action.

Reading is open on loopback unless ``SIMRS_BRIDGE_DASHBOARD_REQUIRE_TOKEN_FOR_READS``
is set; acting (replaying a dead letter) always needs the operator token
``SIMRS_BRIDGE_DASHBOARD_TOKEN``, as ``Authorization: Bearer`` or via the
page's sign-in form. The form sets a cookie holding an HMAC derived from the
token, never the token itself; it is HttpOnly and SameSite=Strict, and
actions also refuse a foreign ``Origin``, so another site open in the same
browser cannot make it replay anything. The page carries no secret: the
token is typed, never shown.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pymysql
import redis.asyncio as aioredis
from aiohttp import web
from redis.exceptions import RedisError

from app.dashboard.data import Figures, Sources, gather
from app.dashboard.metrics import CONTENT_TYPE, AuditCounters, render, render_down
from app.dashboard.page import login_page, render_page
from app.dashboard.quality import load_quality, render_quality
from app.replay import checkable, replay, unchanged_refusal
from core import db
from core.errors import ConfigError
from core.hints import hint
from core.khanza.options import khanza_options
from core.masking import scrub_text
from core.queue import open_queue
from core.settings import ENV_PREFIX, Settings
from core.state.migrate import migrate
from core.timefmt import iso

__all__ = ["COOKIE", "SOURCES", "create_app", "session_value"]

logger = logging.getLogger(__name__)

COOKIE = "simrs_bridge_session"
SOURCES = web.AppKey("sources", Sources)
SETTINGS = web.AppKey("settings", Settings)
COUNTERS = web.AppKey("counters", AuditCounters)
# What "Redis or the state database does not answer" looks like.
_DOWN = (RedisError, OSError, TimeoutError, pymysql.err.MySQLError)
_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; "
                                "img-src 'self' data:; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" makes Chrome send Origin: null
    "Cache-Control": "no-store",
}


def session_value(token: str) -> str:
    return hmac.new(token.encode(), b"simrs-bridge dashboard session", hashlib.sha256).hexdigest()


def _token(request: web.Request) -> str:
    return request.app[SETTINGS].dashboard_token.get_secret_value()


def _authorized(request: web.Request) -> bool:
    token = _token(request)
    if not token:
        return False
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    cookie = request.cookies.get(COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), session_value(token).encode())


def _may_read(request: web.Request) -> bool:
    return not request.app[SETTINGS].dashboard_require_token_for_reads or _authorized(request)


def _not_foreign(request: web.Request) -> bool:
    """No ``Origin`` or this dashboard's (signing in needs the token anyway)."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.host


def _same_origin(request: web.Request) -> bool:
    """An action's POST must say where it comes from, and that must be this dashboard.

    Only a request carrying the token in an ``Authorization`` header (a script; no
    other site can make a browser send that header) may leave ``Origin`` out.
    """
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin is None and request.headers.get("Authorization", "").startswith("Bearer ")
    return urlsplit(origin).netloc == request.host


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", headers=_HEADERS)


async def _figures(request: web.Request) -> Figures:
    return await gather(request.app[SOURCES])


async def index(request: web.Request) -> web.Response:
    if not _may_read(request):
        return _html(login_page(), status=401)
    settings = request.app[SETTINGS]
    try:
        figures = await _figures(request)
    except _DOWN as exc:
        logger.warning("dashboard: cannot read the shared state: %s", exc)
        return _html(login_page(f"Redis or the state database does not answer: "
                                f"{scrub_text(str(exc), settings.secrets())}"), status=503)
    flash = None
    if "replayed" in request.query:
        flash = f"Dead letter {request.query['replayed']} queued again."
    elif "already" in request.query:
        flash = f"Dead letter {request.query['already']} was replayed already."
    return _html(render_page(
        figures, settings.zone, secrets=settings.secrets(), can_act=_authorized(request),
        has_token=bool(_token(request)), flash=flash))


def _plain(value: Any, zone: ZoneInfo) -> Any:
    """JSON-ready; times as ISO 8601 with the hospital's offset (the database's are UTC)."""
    if isinstance(value, datetime):
        return iso(value, zone)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {(k if isinstance(k, str) else "/".join(k)): _plain(v, zone)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, zone) for v in value]
    return value


async def api_figures(request: web.Request) -> web.Response:
    """The same figures as JSON, for scripts and for checking the page against."""
    if not _may_read(request):
        raise web.HTTPUnauthorized()
    figures = await _figures(request)
    secrets = request.app[SETTINGS].secrets()
    zone = request.app[SETTINGS].zone
    data = dataclasses.asdict(figures)
    for letter in data["dead_letters"]:
        letter["hint"] = hint(letter["outcome"], letter["message"])
        letter["message"] = scrub_text(letter["message"], secrets)
        letter.pop("args", None)
    data["wsrs"] = {
        "calls": figures.wsrs.calls, "refused": figures.wsrs.refused,
        "reasons": {scrub_text(k, secrets): v for k, v in figures.wsrs.reasons.items()},
        "p95_ms": {e: figures.wsrs.p95(e) for e in figures.wsrs.calls},
    }
    for name, x in figures.upstreams.items():
        data["upstreams"][name].update(
            depth=x.depth, calls_last_hour=x.hour.count, p50_ms=x.hour.p50, p95_ms=x.hour.p95)
        data["upstreams"][name].pop("hour")
        data["upstreams"][name]["buckets"] = [
            {"start": iso(b.start, zone), "count": b.count, "failed": b.failed,
             "p50_ms": b.p50, "p95_ms": b.p95} for b in x.buckets]
    return web.json_response(_plain(data, zone), headers=_HEADERS)


async def metrics(request: web.Request) -> web.Response:
    if not _may_read(request):
        raise web.HTTPUnauthorized()
    sources, counters = request.app[SOURCES], request.app[COUNTERS]
    try:
        await counters.advance(sources.state)
        body = render(await gather(sources, letters=1), counters)
    except _DOWN as exc:
        logger.warning("metrics: cannot read the shared state: %s", exc)
        body = render_down()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


async def healthz(request: web.Request) -> web.Response:
    del request
    return web.Response(text="ok\n")


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    token = _token(request)
    given = str(form.get("token", ""))
    if not token or not _not_foreign(request) or not hmac.compare_digest(
            given.encode(), token.encode()):
        logger.warning("dashboard: refused sign-in from %s", request.remote)
        return _html(login_page("That token is not right."), status=403)
    response = web.HTTPSeeOther("./")
    response.set_cookie(COOKIE, session_value(token), httponly=True, samesite="Strict",
                        secure=request.secure, path="/")
    raise response


async def replay_letter(request: web.Request) -> web.Response:
    if not _authorized(request) or not _same_origin(request):
        raise web.HTTPForbidden(text="replaying needs the operator token\n")
    letter_id = int(request.match_info["letter_id"])
    sources = request.app[SOURCES]
    letters = sources.dead_letters
    letter = await letters.get(letter_id)
    if letter is None:
        raise web.HTTPNotFound(text=f"no dead letter {letter_id}\n")
    form = await request.post()
    if checkable(letter) and "force" not in request.query and "force" not in form:
        connection = await db.connect(sources.settings.khanza_db_url,
                                      setting=f"{ENV_PREFIX}KHANZA_DB_URL")
        try:
            same = await unchanged_refusal(connection, khanza_options(sources.settings), letter)
        finally:
            connection.close()
        if same:
            raise web.HTTPConflict(text=(
                f"dead letter {letter_id}: the payload is unchanged since it was refused; "
                f"{letter.hint}. Replay with force to send it unchanged anyway\n"))
    queue = await open_queue(sources.settings.redis_url)
    try:
        result = await replay(letters, queue, letter)
    finally:
        await queue.aclose()
    logger.info("dashboard: dead letter %d replay requested from %s: %s", letter_id,
                request.remote, "queued" if result.claimed else "already replayed")
    if request.headers.get("Accept", "").startswith("application/json"):
        return web.json_response({"id": letter_id, "claimed": result.claimed,
                                  "queued": result.queued, "job_id": letter.job_id})
    raise web.HTTPSeeOther(f"../../?{'replayed' if result.claimed else 'already'}={letter_id}")


def _day(request: web.Request) -> date:
    text = request.query.get("date")
    if not text:
        return datetime.now(request.app[SETTINGS].zone).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise web.HTTPBadRequest(text="date must be yyyy-mm-dd") from None


async def quality_page(request: web.Request) -> web.Response:
    """Per poli, the share of visits whose whole task chain BPJS holds (read back)."""
    if not _may_read(request):
        return _html(login_page(), status=401)
    quality = await load_quality(request.app[SOURCES].state, _day(request))
    return _html(render_quality(quality, request.app[SETTINGS].secrets()))


async def api_quality(request: web.Request) -> web.Response:
    if not _may_read(request):
        raise web.HTTPUnauthorized()
    data = (await load_quality(request.app[SOURCES].state, _day(request))).as_dict()
    secrets = request.app[SETTINGS].secrets()
    for poli in data["polis"]:
        for item in poli["incomplete"]:
            item["reason"] = scrub_text(item["reason"], secrets)
    return web.json_response(data, headers=_HEADERS)


def create_app(settings: Settings, *, counters: AuditCounters | None = None) -> web.Application:
    """The application; Redis and the state pool open on startup and close on cleanup."""
    if settings.dashboard_require_token_for_reads and not settings.dashboard_token:
        raise ConfigError(f"{ENV_PREFIX}DASHBOARD_TOKEN: required when "
                          f"{ENV_PREFIX}DASHBOARD_REQUIRE_TOKEN_FOR_READS is true")
    app = web.Application()
    app[SETTINGS] = settings
    app[COUNTERS] = counters or AuditCounters()

    async def open_sources(app: web.Application) -> None:
        state = await db.create_pool(settings.state_db_url, setting=f"{ENV_PREFIX}STATE_DB_URL")
        async with state.acquire() as connection:
            await migrate(connection)
        app[SOURCES] = Sources(settings, aioredis.Redis.from_url(settings.redis_url), state)
        await app[COUNTERS].advance(state)

    async def close_sources(app: web.Application) -> None:
        if SOURCES in app:
            sources = app[SOURCES]
            await sources.redis.aclose()
            sources.state.close()
            await sources.state.wait_closed()

    app.on_startup.append(open_sources)
    app.on_cleanup.append(close_sources)
    app.router.add_get("/", index)
    app.router.add_get("/api/figures", api_figures)
    app.router.add_get("/quality", quality_page)
    app.router.add_get("/api/quality", api_quality)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/login", login)
    app.router.add_post(r"/dead-letters/{letter_id:\d+}/replay", replay_letter)
    return app
