"""``simrs-bridge check``: is this installation configured and can it reach everything?

The first thing hospital IT runs after editing the env file, and the one to
trust before go-live: it runs every settings rule the daemons run
(``core.validate.validate``, the same function), then one line per component
with the setting to fix when it fails. It exits 0 only when every required
component answered and no rule failed; a misspelt ``SIMRS_BRIDGE_*`` name fails
here even though the daemons only warn about it (see ``core.validate``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import pymysql

from app.commands.base import Subparsers
from app.commands.beds import probe_unmapped
from core import db, exitcodes
from core.errors import BridgeError, ConfigError, Outcome, UpstreamError
from core.khanza.options import khanza_options
from core.settings import ENV_PREFIX, Settings, load_settings
from core.startup import probe_database, probe_redis
from core.validate import validate
from producers.changes.requirements import inspect
from worker.bpjs.client import BpjsClient
from worker.jobs.schedule import schedule_findings
from worker.sirs.endpoints import RsOnline

__all__ = [
    "Probe",
    "Result",
    "probe_upstream",
    "probes",
    "register",
    "run_checks",
    "warn_unreachable_upstreams",
]

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = 10.0

@dataclass(frozen=True)
class Probe:
    """One component; a probe that is not ``required`` warns without failing the check
    (unmapped wards are a configuration gap, not an unreachable service). ``setting`` is
    named when the component does not answer in time."""

    name: str
    run: Callable[[], Awaitable[str]]
    setting: str
    required: bool = True


# The settings an authenticated call depends on, named when the upstream refuses it.
_CREDENTIALS = {
    "bpjs": f"{ENV_PREFIX}BPJS_CONS_ID/_SECRET/_USER_KEY (and the clock: BPJS signs with it)",
    "sirs": f"{ENV_PREFIX}SIRS_RS_ID/_PASSWORD/_PASSWORD_MD5",
}


async def _reference_call(settings: Settings, service: str) -> int:
    """One read-only authenticated call (a reference list); returns how many rows came."""
    if service == "bpjs":
        async with BpjsClient.from_settings(settings) as bpjs:
            return len(await bpjs.ref_poli())
    async with RsOnline.from_settings(settings) as sirs:
        return len(await sirs.tempat_tidur_ref())


async def probe_upstream(settings: Settings, field: str, service: str) -> str:
    """A signed reference call, so a wrong path (HTTP 404), wrong credentials and a skewed
    clock fail here and not at the first real send. Names the setting to fix."""
    url = getattr(settings, field)
    setting = ENV_PREFIX + field.upper()
    try:
        rows = await _reference_call(settings, service)
    except UpstreamError as exc:
        if exc.http_status == 404:
            raise ConfigError(f"{setting}: {url}: HTTP 404, not found: "
                              "the base URL's path is wrong") from None
        if exc.outcome is Outcome.RETRY or exc.http_status is None or exc.http_status >= 500:
            raise ConfigError(f"{setting}: {url}: {exc}") from None
        raise ConfigError(f"{_CREDENTIALS[service]}: refused: {exc}") from None
    return f"{url} (signed reference call answered, {rows} rows)"


_UPSTREAMS = (("bpjs", "bpjs_base_url"), ("sirs", "sirs_base_url"))


async def _connect(url: str) -> None:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    _, writer = await asyncio.open_connection(parts.hostname, port)
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


async def warn_unreachable_upstreams(settings: Settings) -> None:
    """One warning line per upstream whose host does not accept a connection, naming its
    setting; the worker logs it at start and runs anyway (its jobs wait behind the circuit
    breaker). A TCP connect only: no request reaches the upstream outside the rate limit."""
    async def one(field: str) -> None:
        url = getattr(settings, field)
        try:
            await asyncio.wait_for(_connect(url), PROBE_TIMEOUT)
        except TimeoutError:
            logger.warning("%s%s: %s: no answer within %g s; jobs will wait and retry",
                           ENV_PREFIX, field.upper(), url, PROBE_TIMEOUT)
        except OSError as exc:
            logger.warning("%s%s: %s: cannot connect (%s); jobs will wait and retry",
                           ENV_PREFIX, field.upper(), url, exc.strerror or exc)

    await asyncio.gather(*(one(field) for _, field in _UPSTREAMS))


async def _binlog(settings: Settings) -> str:
    """SIMRS_BRIDGE_CHANGES=binlog: what the Khanza server and user lack, in one line."""
    url = settings.khanza_db_url
    connection = await db.connect(url, setting=f"{ENV_PREFIX}KHANZA_DB_URL")
    try:
        report = await inspect(connection, settings.binlog_server_id)
    except pymysql.err.MySQLError as exc:
        raise ConfigError(f"binlog: cannot inspect {url}: {db.describe_error(exc)}") from None
    finally:
        connection.close()
    if report.missing:
        raise ConfigError(f"{ENV_PREFIX}CHANGES=binlog needs on {url.host}:{url.port}: "
                          f"{'; '.join(report.missing)} (see docs/binlog.md)")
    return (f"binlog ROW/FULL readable by {url.user} as replica "
            f"{settings.binlog_server_id}; server at GTID {report.position or '(empty)'}")


async def _schedule(settings: Settings) -> str:
    """Today's Khanza schedule and BPJS mappings against ref/poli, ref/dokter, jadwaldokter."""
    today = datetime.now(settings.zone).date()
    connection = await db.connect(settings.khanza_db_url, setting=f"{ENV_PREFIX}KHANZA_DB_URL")
    try:
        async with BpjsClient.from_settings(settings) as client:
            findings = await schedule_findings(client, connection, today)
    except pymysql.err.MySQLError as exc:
        raise ConfigError(f"schedule: cannot read Khanza's schedule and mappings: "
                          f"{db.describe_error(exc)}") from None
    finally:
        connection.close()
    if findings:
        shown = "; ".join(str(f) for f in findings[:5])
        more = f" (+{len(findings) - 5} more)" if len(findings) > 5 else ""
        raise ConfigError(f"{len(findings)} finding(s) for {today}: {shown}{more}")
    return f"mappings and {today}'s schedule match BPJS"


def probes(settings: Settings) -> list[Probe]:
    binlog = [Probe("binlog", lambda: _binlog(settings), f"{ENV_PREFIX}CHANGES")
              ] if settings.changes == "binlog" else []
    return [
        Probe("redis", lambda: probe_redis(settings), f"{ENV_PREFIX}REDIS_URL"),
        Probe("khanza-db", lambda: probe_database(settings, "khanza_db_url"),
              f"{ENV_PREFIX}KHANZA_DB_URL"),
        Probe("state-db", lambda: probe_database(settings, "state_db_url"),
              f"{ENV_PREFIX}STATE_DB_URL"),
        Probe("bpjs", lambda: probe_upstream(settings, "bpjs_base_url", "bpjs"),
              f"{ENV_PREFIX}BPJS_BASE_URL"),
        Probe("sirs", lambda: probe_upstream(settings, "sirs_base_url", "sirs"),
              f"{ENV_PREFIX}SIRS_BASE_URL"),
        Probe("beds", lambda: probe_unmapped(settings), f"{ENV_PREFIX}KHANZA_DB_URL",
              required=False),
        Probe("schedule", lambda: _schedule(settings), f"{ENV_PREFIX}BPJS_BASE_URL",
              required=False),
        *binlog,
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
        return Result(probe.name, False, f"{probe.setting}: no answer within {PROBE_TIMEOUT:g} s",
                      probe.required)
    except BridgeError as exc:
        return Result(probe.name, False, str(exc), probe.required)
    return Result(probe.name, True, detail, probe.required)


async def run_checks(settings: Settings) -> list[Result]:
    return list(await asyncio.gather(*(_one(p) for p in probes(settings))))


def _print_task_sources(settings: Settings) -> None:
    """Which Khanza row gives each task, alternatives in the order they are tried, so IT
    sees what a preset means (a bad setting is already a FAIL line above)."""
    try:
        sources = khanza_options(settings).task_sources
    except ConfigError:
        return
    print(f"task sources ({ENV_PREFIX}TASK_SOURCES; a|b: a, else b):")
    for line in sources.describe():
        print(f"  {line}")


async def _handle(args: argparse.Namespace) -> int:
    del args
    settings = load_settings()
    print("configuration:")
    for name, value in settings.describe():
        print(f"  {name}={value}")
    problems = validate(settings)
    print("settings:")
    for problem in problems:
        note = "" if problem.fatal else " (the daemons start anyway and log this)"
        print(f"  FAIL {problem}{note}")
    if not problems:
        print("  ok   every rule the daemons check at start")
    _print_task_sources(settings)
    results = await run_checks(settings)
    print("components:")
    for result in results:
        print(f"  {result.label} {result.name:<10} {result.detail}")
    good = not problems and all(r.ok or not r.required for r in results)
    return exitcodes.OK if good else exitcodes.CONFIG


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "check",
        help="check the settings and test every connection",
        description="Print the effective configuration (secrets masked), apply every rule "
        "the daemons apply at start (task sources, CHANGE-ME placeholders, unknown "
        f"{ENV_PREFIX}* names) and test Redis, the Khanza DB, the state DB, BPJS and RS "
        "Online; exit 0 only if all pass.",
    )
    parser.set_defaults(handler=_handle)
