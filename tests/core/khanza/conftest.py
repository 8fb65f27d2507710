"""Connections to the lead's private MariaDB for the Khanza producer tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import aiomysql
import pytest

from core.db import connect
from core.settings import DatabaseUrl
from sandbox.services import MariaDBServer

Connect = Callable[[str], Awaitable[aiomysql.Connection]]


@pytest.fixture
async def connect_to(mariadb_server: MariaDBServer) -> AsyncIterator[Connect]:
    """Open aiomysql connections to a database by name; all closed after the test."""
    opened: list[aiomysql.Connection] = []

    async def open_(database: str) -> aiomysql.Connection:
        conn = await connect(DatabaseUrl.parse(mariadb_server.url(database)), setting="test")
        opened.append(conn)
        return conn

    yield open_
    for conn in opened:
        conn.close()


@pytest.fixture
async def sample(connect_to: Connect, khanza_db: str) -> aiomysql.Connection:
    """A connection to the read-only sample day."""
    return await connect_to(khanza_db)
