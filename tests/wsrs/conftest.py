"""A running WS RS on a private Khanza copy, with a clock the test moves.

The clock is the service's time source (the hospital's "now"), passed in as a
setting of the service, so "today" and "in the past" are tested on fixed dates;
everything else is real: aiohttp on loopback, MariaDB, the audit table.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiomysql
import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from core.db import connect, create_pool
from core.queue import open_queue
from core.settings import DatabaseUrl, Settings
from core.state.audit import AuditLog
from sandbox.services import MariaDBServer
from worker.main import build_worker
from wsrs.app import Service, create_app
from wsrs.handlers import HANDLERS
from wsrs.limits import RateLimiter
from wsrs.metrics import WsrsMetrics
from wsrs.token import Tokens

WIB = ZoneInfo("Asia/Jakarta")
DAY = date(2025, 2, 5)  # a Wednesday: the fixture's doctors practise (RABU), no visits yet
USER, PASSWORD = "mobilejkn", "rahasia-bpjs-123"
KEY = "k" * 40


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2025, 2, 4, 10, 0, tzinfo=WIB))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Wsrs:
    client: TestClient[Any, Any]
    service: Service
    clock: Clock
    db_url: DatabaseUrl
    base: str = "/wsrs"

    async def token(self) -> str:
        response = await self.client.get(f"{self.base}/auth", headers={
            "x-username": USER, "x-password": PASSWORD})
        body = await response.json()
        assert body["metadata"]["code"] == 200, body
        return str(body["response"]["token"])

    async def post(self, endpoint: str, body: Any, token: str | None = None,
                   **headers: str) -> dict[str, Any]:
        token = token if token is not None else await self.token()
        sent = {"x-token": token, "x-username": USER, **headers}
        response = await self.client.post(f"{self.base}/{endpoint}", json=body, headers=sent)
        answer = await response.json()
        assert response.status == answer["metadata"]["code"], answer
        return dict(answer)

    async def query(self, sql: str, *params: object) -> list[dict[str, Any]]:
        conn = await connect(self.db_url, setting="test")
        try:
            async with conn.cursor(aiomysql.DictCursor) as cursor:
                await cursor.execute(sql, params)
                return list(await cursor.fetchall())
        finally:
            conn.close()


def wsrs_settings(base: Settings | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "wsrs_username": USER, "wsrs_password": SecretStr(PASSWORD),
        "wsrs_token_key": SecretStr(KEY), "wsrs_burst": 10_000, "wsrs_rate": 1000,
        **overrides,
    }
    return (base or Settings()).model_copy(update=values)


@pytest.fixture
async def wsrs(mariadb_server: MariaDBServer, fresh_khanza_db: str,
               state_pool: aiomysql.Pool) -> AsyncIterator[Wsrs]:
    url = DatabaseUrl.parse(mariadb_server.url(fresh_khanza_db))
    settings = wsrs_settings(wsrs_db_url=url, khanza_db_url=url)
    async with running_wsrs(settings, state_pool) as running:
        yield running


def service_for(settings: Settings, khanza: aiomysql.Pool, state: aiomysql.Pool | None,
                clock: Clock, queue: Any = None) -> Service:
    return Service(
        settings=settings, khanza=khanza,
        tokens=Tokens(KEY, USER, settings.wsrs_token_ttl),
        limiter=RateLimiter(settings.wsrs_rate, settings.wsrs_burst), metrics=WsrsMetrics(),
        audit=None if state is None else AuditLog(state, settings.secrets()), queue=queue,
        clock=clock,
    )


class running_wsrs:
    def __init__(self, settings: Settings, state: aiomysql.Pool | None,
                 queue: Any = None) -> None:
        self.settings, self.state, self.queue = settings, state, queue

    async def __aenter__(self) -> Wsrs:
        self.pool = await create_pool(self.settings.wsrs_db_url, setting="wsrs", maxsize=20)
        clock = Clock()
        self.service = service_for(self.settings, self.pool, self.state, clock, self.queue)
        self.client: TestClient[Any, Any] = TestClient(
            TestServer(create_app(self.service, HANDLERS)))
        await self.client.start_server()
        return Wsrs(self.client, self.service, clock, self.settings.wsrs_db_url)

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()
        if self.service.audit is not None:
            await self.service.audit.close()
        self.pool.close()
        await self.pool.wait_closed()


@contextlib.asynccontextmanager
async def wsrs_with_worker(settings: Settings, state: aiomysql.Pool) -> AsyncIterator[Wsrs]:
    """A WS RS whose nudges reach a real worker (the daemon's own wiring), which sends to
    whatever BPJS ``settings`` name (the fake one in tests)."""
    worker = build_worker(settings)
    running = asyncio.create_task(worker.async_run())
    queue = await open_queue(settings.redis_url)
    try:
        async with running_wsrs(settings, state, queue) as service:
            yield service
    finally:
        await queue.aclose()
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await worker.close()


def kartu(n: int) -> str:
    return f"9{n:012d}"


def nik(n: int) -> str:
    return f"9{n:015d}"


async def add_patients(w: Wsrs, count: int, start: int = 1) -> list[str]:
    """``count`` patients copied from the fixture's first one, with their own numbers."""
    [template] = await w.query("SELECT * FROM pasien WHERE no_rkm_medis = '000001'")
    rows = []
    for n in range(start, start + count):
        row = {**template, "no_rkm_medis": f"9{n:05d}", "no_peserta": kartu(n),
               "no_ktp": nik(n), "nm_pasien": f"PASIEN WSRS {n}"}
        rows.append(row)
    columns = list(template)
    conn = await connect(w.db_url, setting="test")
    try:
        async with conn.cursor() as cursor:
            await cursor.executemany(
                f"INSERT INTO pasien ({', '.join(columns)}) "  # noqa: S608 - column names
                f"VALUES ({', '.join(['%s'] * len(columns))})",
                [tuple(r[c] for c in columns) for r in rows])
    finally:
        conn.close()
    return [r["no_rkm_medis"] for r in rows]


def ambil(n: int, **changes: Any) -> dict[str, Any]:
    """An ambilantrean body for patient ``n`` with doctor D001 (BPJS 99901), poli INT."""
    body = {"nomorkartu": kartu(n), "nik": nik(n), "nohp": "081234567890", "kodepoli": "INT",
            "norm": "", "tanggalperiksa": DAY.isoformat(), "kodedokter": 99901,
            "jampraktek": "08:00-12:00", "jeniskunjungan": 1,
            "nomorreferensi": f"0001R00102250K{n:06d}"}
    body.update(changes)
    return body
