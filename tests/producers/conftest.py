"""Shared by the binlog tests: a writable Khanza connection and running change feeds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiomysql
import pytest
import redis.asyncio as aioredis

from core import db
from core.settings import DatabaseUrl
from core.state.binlog import BinlogPositions
from producers.changes import ChangeFeed
from sandbox.services import MariaDBServer

SERVER_ID = 4150


async def until(what: str, check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(0.02)


class Running:
    """A feed running in the background until ``stop``."""

    def __init__(self, feed: ChangeFeed) -> None:
        self.feed = feed
        self.stop = asyncio.Event()
        self.task = asyncio.ensure_future(feed.run(self.stop))

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 30)


@pytest.fixture
async def khanza(mariadb_server: MariaDBServer, fresh_khanza_db: str
                 ) -> AsyncIterator[aiomysql.Connection]:
    connection = await db.connect(DatabaseUrl.parse(mariadb_server.url(fresh_khanza_db)),
                                  setting="khanza")
    yield connection
    connection.close()


Statement = str | tuple[str, tuple[object, ...]]


async def execute(connection: aiomysql.Connection, *statements: Statement) -> None:
    async with connection.cursor() as cursor:
        for statement in statements:
            sql, params = (statement, ()) if isinstance(statement, str) else statement
            await cursor.execute(sql, params)


@pytest.fixture
async def feed_factory(
    mariadb_server: MariaDBServer, fresh_khanza_db: str, state_pool: aiomysql.Pool,
    redis: aioredis.Redis,
) -> AsyncIterator[Callable[[], Awaitable[Running]]]:
    started: list[Running] = []

    async def start() -> Running:
        feed = ChangeFeed(url=DatabaseUrl.parse(mariadb_server.url(fresh_khanza_db)),
                          server_id=SERVER_ID, positions=BinlogPositions(state_pool),
                          redis=redis, nudge=asyncio.Event(), heartbeat=0.5)
        running = Running(feed)
        started.append(running)
        await until("feed connected", lambda: feed.connected)
        return running

    yield start
    for running in started:
        await running.close()


# (statements, the change each must become), one per table the producer reads.
