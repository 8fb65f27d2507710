"""``bpjs_schedule_check``: Khanza's mappings and today's schedule against BPJS, once a day.

Reads ``ref/poli`` and ``ref/dokter`` (success code 1 there, which the client's
outcome table accepts) and ``jadwaldokter`` for each mapped BPJS poli, then
lists what a booking would fail on (``core.schedule_check``). The result is
kept in Redis for the dashboard; ``simrs-bridge check`` runs the same check.
Calls go one at a time through the shared breaker and rate limiter.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import date
from typing import Any, TypeVar

import aiomysql

from core.bpjs.models import JadwalDokter
from core.keys import schedule_check_key
from core.khanza.bookings import HARI
from core.khanza.mapping import load_mappings
from core.schedule_check import Finding, check_schedules
from worker.bpjs.client import BpjsClient
from worker.services import Services

__all__ = ["bpjs_schedule_check", "schedule_findings"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
Guard = Callable[[], AbstractAsyncContextManager[Any]]
STATUS_TTL = 7 * 24 * 3600


async def schedule_findings(
    client: BpjsClient, conn: aiomysql.Connection, day: date, guard: Guard | None = None,
) -> list[Finding]:
    async def read(call: Callable[[], Awaitable[T]]) -> T:
        async with (guard or nullcontext)():
            return await call()

    khanza = await load_mappings(conn, HARI[day.weekday()])
    poli = await read(client.ref_poli)
    dokter = await read(client.ref_dokter)
    jadwal: dict[str, list[JadwalDokter]] = {}
    for code in sorted({str(r["kd_poli_bpjs"]) for r in khanza.poli.values()}):
        jadwal[code] = await read(lambda code=code: client.jadwal_dokter(code, day))  # type: ignore[misc]
    return check_schedules(khanza, poli, dokter, jadwal)


async def bpjs_schedule_check(ctx: dict[str, Any], tanggal: str) -> str:
    services: Services = ctx["services"]
    day = date.fromisoformat(tanggal)

    def guard() -> AbstractAsyncContextManager[Any]:
        return _Both(services)

    async with services.khanza.acquire() as conn:
        findings = await schedule_findings(services.bpjs, conn, day, guard)
    await services.redis.set(schedule_check_key(day), json.dumps(
        [{"kind": f.kind, "subject": f.subject, "detail": f.detail} for f in findings]),
        ex=STATUS_TTL)
    for finding in findings:
        logger.warning("schedule check %s: %s", tanggal, finding)
    return f"{tanggal}: {len(findings)} finding(s)"


class _Both:
    """The breaker and the rate limiter, as one async context manager."""

    def __init__(self, services: Services) -> None:
        self._breaker = services.breakers["bpjs"].guard()
        self._slot = services.limiters["bpjs"].slot()

    async def __aenter__(self) -> None:
        await self._breaker.__aenter__()
        try:
            await self._slot.__aenter__()
        except BaseException as exc:
            await self._breaker.__aexit__(type(exc), exc, exc.__traceback__)
            raise

    async def __aexit__(self, *exc: Any) -> None:
        try:
            await self._slot.__aexit__(*exc)
        finally:
            await self._breaker.__aexit__(*exc)
