"""The base of the state stores: one pool, and one-statement helpers over it.

Most store methods run a single statement on a pooled connection (autocommit,
``core.db``) and read its rows, row count or new id. Writing the
acquire-cursor-execute dance out in each of them buried what the method does
under how it reaches the database, so the stores share these helpers instead.
A method that needs a transaction, a dict cursor or several statements on one
connection keeps its own ``acquire``: the helpers each take a connection of
their own, so two calls are two round trips on maybe different connections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aiomysql

__all__ = ["Params", "Row", "Store"]

# What aiomysql accepts as the statement's parameters: positional ``%s`` or ``%(name)s``.
# None (no parameters) leaves the SQL unformatted, as aiomysql does.
Params = Sequence[object] | Mapping[str, object]
# A row as the default cursor returns it.
Row = tuple[Any, ...]


class Store:
    """Holds the state-database pool; subclasses add the table's own methods."""

    def __init__(self, pool: aiomysql.Pool) -> None:
        self._pool = pool

    @property
    def pool(self) -> aiomysql.Pool:
        """The pool it runs on, for a caller that needs a connection of its own."""
        return self._pool

    async def _execute(self, sql: str, params: Params | None = None) -> int:
        """Run one statement; returns the number of rows it changed (or matched)."""
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(sql, params)
            return int(cursor.rowcount)

    async def _lastrowid(self, sql: str, params: Params | None = None) -> int:
        """Run one INSERT; returns the id it set (``LAST_INSERT_ID``)."""
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(sql, params)
            return int(cursor.lastrowid)

    async def _fetchone(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row of one query, or None when it found none."""
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(sql, params)
            row: Row | None = await cursor.fetchone()
        return row

    async def _fetchall(self, sql: str, params: Params | None = None) -> list[Row]:
        """Every row of one query."""
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(sql, params)
            return list(await cursor.fetchall())
