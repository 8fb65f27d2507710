"""One REPEATABLE READ transaction on a Khanza connection, retried when InnoDB says so.

The allocation proofs (registration.py) rest on InnoDB's next-key locks, which
only REPEATABLE READ (MariaDB's default) takes; the level is set explicitly on
each connection before its first transaction, so a server configured otherwise
cannot weaken them. A
deadlock or lock-wait timeout rolls the whole transaction back, so running it
again from the start is safe; anything else is rolled back and raised.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiomysql
import pymysql

__all__ = ["DEADLOCK", "DUPLICATE_KEY", "LOCK_WAIT_TIMEOUT", "TRIES", "batch", "in_transaction"]

logger = logging.getLogger(__name__)

DUPLICATE_KEY = 1062
LOCK_WAIT_TIMEOUT = 1205
DEADLOCK = 1213
TRIES = 8

T = TypeVar("T")

# Set once per connection (a pooled connection keeps it), not per transaction.
_REPEATABLE_READ = "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"
_MARK = "_simrs_bridge_repeatable_read"


def _conflict(exc: BaseException) -> bool:
    return (isinstance(exc, pymysql.err.OperationalError | pymysql.err.InternalError)
            and bool(exc.args) and exc.args[0] in (DEADLOCK, LOCK_WAIT_TIMEOUT))


async def batch(conn: aiomysql.Connection, statements: list[tuple[str, tuple[object, ...]]],
                results: list[list[dict[str, Any]]] | None = None) -> list[list[dict[str, Any]]]:
    """Several statements in one round trip; the rows of each, in order.

    Why: a booking holds its locks from the first locking read to COMMIT, and every
    round trip inside that window is also a wait for this process's busy event loop
    (docs/wsrs.md, Performance). aiomysql always connects with CLIENT_MULTI_STATEMENTS;
    the statements are our constants, their parameters escaped by the driver as for a
    single statement. MariaDB runs them in order and stops at the first error, which is
    raised here; ``results`` (appended to as each statement's answer arrives) then says
    how many succeeded. Every answer is read before returning, so the connection is never
    left with unread results.
    """
    sql = ";\n".join(text for text, _ in statements)
    params = tuple(p for _, values in statements for p in values)
    results = [] if results is None else results
    async with conn.cursor(aiomysql.DictCursor) as cursor:
        await cursor.execute(sql, params)
        while True:
            results.append([dict(row) for row in await cursor.fetchall()])
            if not await cursor.nextset():
                return results


async def in_transaction(conn: aiomysql.Connection, work: Callable[[], Awaitable[T]], *,
                         delimits: bool = False) -> T:
    """``work()`` inside BEGIN ... COMMIT; rolled back on any exception.

    ``delimits``: ``work`` sends BEGIN and COMMIT itself, in its first and last
    ``batch``, saving two round trips; it is still rolled back and retried here.
    """
    for attempt in range(1, TRIES + 1):
        if not getattr(conn, _MARK, False):
            async with conn.cursor() as cursor:
                await cursor.execute(_REPEATABLE_READ)
            setattr(conn, _MARK, True)
        if not delimits:
            await conn.begin()
        try:
            result = await work()
        except BaseException as exc:
            await conn.rollback()
            if attempt < TRIES and _conflict(exc):
                logger.info("transaction rolled back by InnoDB (%s), attempt %d; again",
                            exc.args[0], attempt)
                await asyncio.sleep(random.uniform(0, 0.02 * attempt))
                continue
            raise
        if not delimits:
            await conn.commit()
        return result
    raise AssertionError("unreachable")
