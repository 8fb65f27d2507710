"""``simrs-bridge wsrs``: the web service Mobile JKN calls, in its own process.

Listens on ``SIMRS_BRIDGE_WSRS_LISTEN`` under ``SIMRS_BRIDGE_WSRS_BASE_PATH``;
writes into Khanza through ``SIMRS_BRIDGE_WSRS_DB_URL`` (the producers' account
stays read-only), audits every call in the state database and queues a
booking's jobs in Redis. Under systemd it says READY=1 once it listens, pings
the watchdog while Khanza answers, and exits ``EXIT_RELOAD`` on SIGHUP.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import AsyncIterator

from app.commands.base import Subparsers
from app.serve import serve
from core.db import create_pool
from core.errors import ConfigError
from core.logging import setup_logging
from core.queue import open_queue
from core.settings import ENV_PREFIX, Settings, load_settings
from core.startup import prepare
from core.state.audit import AuditLog
from core.state.migrate import migrate
from wsrs.app import Service, create_app
from wsrs.handlers import HANDLERS
from wsrs.limits import RateLimiter
from wsrs.metrics import WsrsMetrics
from wsrs.token import Tokens

__all__ = ["open_service", "register"]

logger = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def open_service(settings: Settings) -> AsyncIterator[Service]:
    """Pools, queue and audit for one WS RS process, closed on the way out."""
    tokens = _tokens(settings)
    khanza = await create_pool(settings.wsrs_db_url, setting=f"{ENV_PREFIX}WSRS_DB_URL",
                               minsize=1, maxsize=20)
    state = await create_pool(settings.state_db_url, setting=f"{ENV_PREFIX}STATE_DB_URL")
    queue = await open_queue(settings.redis_url)
    audit = AuditLog(state, settings.secrets())
    try:
        async with state.acquire() as connection:
            await migrate(connection)
        yield Service(settings=settings, khanza=khanza, tokens=tokens,
                      limiter=RateLimiter(settings.wsrs_rate, settings.wsrs_burst),
                      metrics=WsrsMetrics(), audit=audit, queue=queue)
    finally:
        await audit.close()
        await queue.aclose()
        for pool in (khanza, state):
            pool.close()
            await pool.wait_closed()


def _tokens(settings: Settings) -> Tokens:
    """The credentials BPJS was given; checked before any service is waited for, so a
    missing key stops the unit at once (exit 2) instead of after the start-up wait."""
    try:
        tokens = Tokens(settings.wsrs_token_key.get_secret_value(), settings.wsrs_username,
                        settings.wsrs_token_ttl)
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}WSRS_TOKEN_KEY: {exc}") from None
    if not settings.wsrs_password.get_secret_value():
        raise ConfigError(f"{ENV_PREFIX}WSRS_PASSWORD: set the password given to BPJS")
    return tokens


async def _ping(service: Service) -> None:
    async with service.khanza.acquire() as connection:
        await connection.ping()


async def _wsrs(args: argparse.Namespace) -> int:
    settings = load_settings()
    setup_logging(settings.log_level, settings.secrets(), settings.zone)
    _tokens(settings)
    await prepare(settings, "wsrs")
    host, _, port_text = (args.listen or settings.wsrs_listen).rpartition(":")
    async with open_service(settings) as service:
        return await serve(
            create_app(service, HANDLERS), name="wsrs", host=host, port=int(port_text),
            setting=f"{ENV_PREFIX}WSRS_LISTEN", health=lambda: _ping(service),
            announce=lambda url: logger.info("WS RS for Mobile JKN on %s", url),
            path=f"{settings.wsrs_base_path}/",
        )


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("wsrs", help="serve the web service Mobile JKN (BPJS) calls",
                            description="Serve the hospital's WS RS for Mobile JKN bookings.")
    parser.add_argument("--listen", help=f"host:port (default: {ENV_PREFIX}WSRS_LISTEN, "
                        "127.0.0.1:8190; port 0 picks a free one)")
    parser.set_defaults(handler=_wsrs)
