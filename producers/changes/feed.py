"""The binlog change feed on the event loop: nudge the producer, keep the position.

``BinlogReader`` (in its own thread) hands over every committed transaction.
One that changed something the producer reads sets the same nudge the inbox's
``booking_changed`` sets: the level-triggered cycle then decides what to send,
so nothing depends on the binlog being complete (polling goes on slowly).

The position is saved only once it is safe to resume from: ``cycle_started``
takes the position of everything received so far, and ``cycle_done`` saves it
when that cycle, which read Khanza after those transactions had committed, has
enqueued what they called for. A crash in between resumes at the previous
position and at worst sees a change twice; a cycle finding nothing new pending
enqueues nothing, so a replay never becomes a second send. A stored position
the server no longer has (or cannot parse) falls back to the server's current
position and a full cycle, logged and counted on the dashboard.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections import deque
from typing import Any

import aiomysql
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from core.keys import CHANGES_STATUS
from core.settings import DatabaseUrl
from core.state.binlog import BinlogPositions
from producers.changes.reader import (
    GTID_STATE,
    BinlogReader,
    Connected,
    Fallback,
    Idle,
    Item,
    Transaction,
    Trouble,
)
from producers.changes.tables import Change

__all__ = ["ChangeFeed", "publish_poll_status"]

logger = logging.getLogger(__name__)

PUBLISH_EVERY = 1.0  # seconds between status documents in Redis
STATE_ERRORS = (aiomysql.Error, OSError, asyncio.TimeoutError)


async def publish_poll_status(redis: aioredis.Redis, interval: float) -> None:
    """The status document in poll mode: the dashboard says which source is in use."""
    await redis.set(CHANGES_STATUS, json.dumps({
        "source": "poll", "interval": interval, "updated": time.time(),
    }))


class ChangeFeed:
    """Follow the binlog; set ``nudge`` on each relevant change; save safe positions."""

    def __init__(
        self, *, url: DatabaseUrl, server_id: int, positions: BinlogPositions,
        redis: aioredis.Redis, nudge: asyncio.Event, safety_interval: float = 30.0,
        heartbeat: float = 1.0, source: str = "khanza",
    ) -> None:
        self.url = url
        self.server_id = server_id
        self.positions = positions
        self.redis = redis
        self.nudge = nudge
        self.safety_interval = safety_interval
        self.heartbeat = heartbeat
        self.source = source
        self.seen: str | None = None  # everything up to here has reached the loop
        self.stored: str | None = None
        self.last_nudge: str | None = None  # the position of the last transaction that nudged
        self._where: tuple[str | None, int | None] = (None, None)  # file:pos of `seen`
        self._started_at: tuple[str | None, tuple[str | None, int | None]] = (None, (None, None))
        self.connected = False
        self.lag: float | None = None
        self.rows: dict[str, int] = {}
        self.nudging: dict[str, int] = {}
        self.transactions = 0
        self.nudges = 0
        self.fallbacks = 0
        self.last_fallback: dict[str, Any] | None = None
        self.trouble: str | None = None
        self.recent: deque[Change] = deque(maxlen=200)
        self._queue: asyncio.Queue[Item | None] = asyncio.Queue()
        self._dirty = True

    # --- the producer's side ----------------------------------------------------------------

    def cycle_started(self) -> str | None:
        """Called as a cycle starts reading Khanza: the position it will have covered."""
        self._started_at = (self.seen, self._where)
        return self.seen

    async def cycle_done(self, token: str | None) -> None:
        """The cycle that started at ``token`` finished: resuming there loses nothing."""
        if token is None or token == self.stored:
            return
        try:
            where = self._started_at[1] if self._started_at[0] == token else (None, None)
            await self.positions.save(self.source, token, *where)
        except STATE_ERRORS as exc:
            logger.warning("binlog: position not saved (%s); a restart would re-read a "
                           "little, which is harmless", exc)
            return
        self.stored = token
        self._dirty = True

    # --- running ----------------------------------------------------------------------------

    async def _start_position(self, stop: asyncio.Event) -> str | None:
        pause = 1.0
        while not stop.is_set():
            try:
                stored = await self.positions.load(self.source)
                break
            except STATE_ERRORS as exc:
                logger.warning("binlog: cannot read the stored position (%s); trying again "
                               "in %.0f s", exc, pause)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)
                pause = min(pause * 2, 30.0)
        else:
            return None
        if stored is None:
            logger.info("binlog: no stored position; starting at the server's current one")
            return None
        if not GTID_STATE.match(stored.gtid):
            self._fell_back(stored.gtid, "the stored position is unreadable")
            return None
        self.stored = self.seen = stored.gtid
        return stored.gtid

    async def run(self, stop: asyncio.Event) -> None:
        """Follow until ``stop``; the reader thread reconnects by itself, never fatal."""
        start = await self._start_position(stop)
        if stop.is_set():
            return
        loop = asyncio.get_running_loop()
        halt = threading.Event()

        def deliver(item: Item) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closing
                loop.call_soon_threadsafe(self._queue.put_nowait, item)

        reader = BinlogReader(self.url, self.server_id, deliver, halt,
                              heartbeat=self.heartbeat)
        thread = threading.Thread(target=reader.run, args=(start,), name="binlog", daemon=True)
        thread.start()
        helpers = [asyncio.ensure_future(self._wake_on(stop)),
                   asyncio.ensure_future(self._publisher(stop))]
        try:
            while not stop.is_set():
                item = await self._queue.get()
                if item is not None:
                    self.apply(item)
        finally:
            halt.set()
            for helper in helpers:
                helper.cancel()
            await asyncio.to_thread(thread.join, self.heartbeat * 12)
            self.connected = False
            with contextlib.suppress(RedisError, OSError):
                await self._publish()

    async def _publisher(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if self._dirty:
                await self._publish()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PUBLISH_EVERY)

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._queue.put_nowait(None)

    def apply(self, item: Item) -> None:
        """Take one item from the reader thread (public for the status tests)."""
        self._dirty = True
        if isinstance(item, Transaction):
            self.seen = item.position
            self._where = (item.log_file, item.log_pos)
            self.transactions += 1
            self.lag = max(0.0, time.time() - item.committed)
            for table, count in item.rows.items():
                self.rows[table] = self.rows.get(table, 0) + count
            if item.changes:
                self.nudge.set()
                self.nudges += 1
                self.last_nudge = item.position
                for change in item.changes:
                    self.nudging[change.table] = self.nudging.get(change.table, 0) + 1
                    self.recent.append(change)
                logger.info("binlog: %s; producer nudged",
                            ", ".join(c.describe() for c in item.changes[:5]))
        elif isinstance(item, Idle):
            self.lag = 0.0
        elif isinstance(item, Connected):
            self.connected, self.trouble, self.seen = True, None, item.position
            logger.info("binlog: following %s:%s from GTID %s (%s)", self.url.host,
                        self.url.port, item.position or "(start)",
                        "resumed" if item.resumed else "the server's current position")
        elif isinstance(item, Fallback):
            self._fell_back(item.requested, item.reason)
        elif isinstance(item, Trouble):
            self.connected, self.trouble = False, item.reason
            logger.warning("binlog: %s; trying again in %.1f s (polling every %.0f s goes on)",
                           item.reason, item.retry_in, self.safety_interval)

    def _fell_back(self, requested: str, reason: str) -> None:
        self.fallbacks += 1
        self.seen = None
        self.last_fallback = {"at": time.time(), "requested": requested[:200],
                              "reason": reason[:300]}
        self.nudge.set()
        logger.warning("binlog: cannot resume at GTID %s (%s); starting at the server's "
                       "current position and running a full cycle", requested[:200], reason)

    def status(self) -> dict[str, Any]:
        return {
            "source": "binlog", "updated": time.time(), "connected": self.connected,
            "server": f"{self.url.host}:{self.url.port}", "position": self.seen,
            "stored": self.stored, "last_nudge": self.last_nudge,
            "log_file": self._where[0], "log_pos": self._where[1],
            "lag": self.lag, "transactions": self.transactions, "nudges": self.nudges,
            "rows": self.rows, "nudging": self.nudging, "fallbacks": self.fallbacks,
            "last_fallback": self.last_fallback, "trouble": self.trouble,
            "safety_interval": self.safety_interval,
        }

    async def _publish(self) -> None:
        try:
            await self.redis.set(CHANGES_STATUS, json.dumps(self.status()))
        except (RedisError, OSError) as exc:
            logger.warning("binlog: status not published: %s", exc)
            return
        self._dirty = False
