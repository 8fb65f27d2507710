"""``simrs-bridge check``: is this installation configured and can it reach everything?

The first thing hospital IT runs after editing the env file, so it prints the
effective configuration (secrets masked) and then one line per component with
the reason when it fails. It exits 0 only when every component answered.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app.commands.base import Subparsers
from app.commands.beds import probe_unmapped
from core import db
from core.errors import BridgeError, ConfigError
from core.settings import ENV_PREFIX, Settings, load_settings
from worker.bpjs.client import BpjsClient
from worker.http import exchange, new_session
from worker.jobs.schedule import schedule_findings

__all__ = ["Probe", "Result", "probes", "register", "run_checks"]

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = 10.0


@dataclass(frozen=True)
class Probe:
    """One component; a probe that is not ``required`` warns without failing the check
    (unmapped wards are a configuration gap, not an unreachable service)."""

    name: str
    run: Callable[[], Awaitable[str]]
    required: bool = True


async def _redis(settings: Settings) -> str:
    client = aioredis.Redis.from_url(
        settings.redis_url, socket_connect_timeout=5, socket_timeout=5
    )
    try:
        info = await client.info("server")
    except (RedisError, OSError) as exc:
        raise ConfigError(
            f"{ENV_PREFIX}REDIS_URL: cannot reach {settings.redis_url}: {exc}"
        ) from None
    finally:
        await client.aclose()
    return f"{settings.redis_url} (Redis {info.get('redis_version', '?')})"


async def _database(settings: Settings, field: str) -> str:
    url = getattr(settings, field)
    connection = await db.connect(url, setting=ENV_PREFIX + field.upper())
    try:
        async with connection.cursor() as cursor:
            await cursor.execute("SELECT VERSION()")
            row = await cursor.fetchone()
    finally:
        connection.close()
    return f"{url} ({row[0] if row else '?'})"


async def _http(settings: Settings, field: str, service: str) -> str:
    """Reachability: any HTTP answer from the base URL means the service is there."""
    url = getattr(settings, field)
    async with new_session(min(settings.http_timeout, PROBE_TIMEOUT)) as session:
        try:
            answer = await exchange(session, "GET", url, service=service, headers={})
        except BridgeError as exc:
            raise ConfigError(f"{ENV_PREFIX}{field.upper()}: {url}: {exc}") from None
    return f"{url} (HTTP {answer.status})"


async def _schedule(settings: Settings) -> str:
    """Today's Khanza schedule and BPJS mappings against ref/poli, ref/dokter, jadwaldokter."""
    today = datetime.now(settings.zone).date()
    connection = await db.connect(settings.khanza_db_url, setting=f"{ENV_PREFIX}KHANZA_DB_URL")
    try:
        async with BpjsClient.from_settings(settings) as client:
            findings = await schedule_findings(client, connection, today)
    finally:
        connection.close()
    if findings:
        shown = "; ".join(str(f) for f in findings[:5])
        more = f" (+{len(findings) - 5} more)" if len(findings) > 5 else ""
        raise ConfigError(f"{len(findings)} finding(s) for {today}: {shown}{more}")
    return f"mappings and {today}'s schedule match BPJS"


def probes(settings: Settings) -> list[Probe]:
    return [
        Probe("redis", lambda: _redis(settings)),
        Probe("khanza-db", lambda: _database(settings, "khanza_db_url")),
        Probe("state-db", lambda: _database(settings, "state_db_url")),
        Probe("bpjs", lambda: _http(settings, "bpjs_base_url", "bpjs")),
        Probe("sirs", lambda: _http(settings, "sirs_base_url", "sirs")),
        Probe("beds", lambda: probe_unmapped(settings), required=False),
        Probe("schedule", lambda: _schedule(settings), required=False),
    ]


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str
    required: bool = True

    @property
    def label(self) -> str:
        return "ok  " if self.ok else ("FAIL" if self.required else "WARN")


async def _one(probe: Probe) -> Result:
    try:
        detail = await asyncio.wait_for(probe.run(), PROBE_TIMEOUT)
    except TimeoutError:
        return Result(probe.name, False, f"no answer within {PROBE_TIMEOUT:g} s", probe.required)
    except BridgeError as exc:
        return Result(probe.name, False, str(exc), probe.required)
    return Result(probe.name, True, detail, probe.required)


async def run_checks(settings: Settings) -> list[Result]:
    return list(await asyncio.gather(*(_one(p) for p in probes(settings))))


async def _handle(args: argparse.Namespace) -> int:
    del args
    settings = load_settings()
    print("configuration:")
    for name, value in settings.describe():
        print(f"  {name}={value}")
    results = await run_checks(settings)
    print("components:")
    for result in results:
        print(f"  {result.label} {result.name:<10} {result.detail}")
    return 0 if all(r.ok or not r.required for r in results) else 2


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "check",
        help="show the configuration and test every connection",
        description="Print the effective configuration (secrets masked) and test Redis, "
        "the Khanza DB, the state DB, BPJS and RS Online; exit 0 only if all answer.",
    )
    parser.set_defaults(handler=_handle)
