"""The inbox: the SIMRS pushes events into a Redis stream, the daemon stores them.

Delivery is at-least-once through a consumer group: an entry is acknowledged
only after its event is stored (or moved to the rejected stream), so a dead
state database or a crash loses nothing; the entry stays in this consumer's
pending list and is tried again, first thing, until it is stored. Entries a
dead process left pending are claimed after ``claim_idle_ms``. Storing is an
upsert, so an entry processed twice does no harm.

Trimming never touches unprocessed work: the rejected stream is capped with
``MAXLEN ~`` (everything in it is a record, not work, and each record holds at
most ``ORIGINAL_MAX`` bytes of the entry), and the inbox stream is trimmed with
``MINID`` below the oldest entry any group still needs (its oldest pending
entry, and nothing after its last-delivered id), keeping at most ``history``
acknowledged entries and ``history_bytes`` of them for inspection. Memory, not
the entry count, is what runs out: an entry too large to be an event is
deleted as soon as it is rejected.

Nothing an entry holds may stop the reader: whatever cannot be parsed is
rejected with a reason, and if Redis loses the consumer group (``FLUSHALL``,
a replaced server) the next read recreates it instead of failing forever.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from dataclasses import dataclass, fields

import aiomysql
import redis.asyncio as aioredis
from arq.connections import ArqRedis
from pymysql.err import DataError
from redis.exceptions import RedisError, ResponseError

from core.health import Loops
from core.keys import INBOX_REJECTED_STREAM, INBOX_STREAM
from producers.inbox.events import ENTRY_MAX_BYTES, BookingChanged, Rejected, loggable, parse
from producers.inbox.retention import entry_size, rejection, trim_history
from producers.inbox.store import InboxStores

__all__ = ["GROUP", "Inbox", "InboxStats", "consumer_name"]

logger = logging.getLogger(__name__)

GROUP = "simrs-bridge"
# Errors that mean "the state database is unavailable now", not "this event is bad".
STORE_ERRORS = (aiomysql.Error, OSError, asyncio.TimeoutError)
LOOP = "inbox"


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _str(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _nogroup(exc: RedisError) -> bool:
    return isinstance(exc, ResponseError) and "NOGROUP" in str(exc)


@dataclass
class InboxStats:
    read: int = 0
    stored: int = 0
    rejected: int = 0
    stale: int = 0
    nudged: int = 0
    enqueued: int = 0
    reclaimed: int = 0
    failed: int = 0

    def __iadd__(self, other: InboxStats) -> InboxStats:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


Entry = tuple[str, dict[bytes | str, bytes | str] | None]


class Inbox:
    def __init__(
        self,
        redis: aioredis.Redis,
        stores: InboxStores,
        queue: ArqRedis,
        nudge: asyncio.Event,
        *,
        consumer: str | None = None,
        stream: str = INBOX_STREAM,
        group: str = GROUP,
        rejected_stream: str = INBOX_REJECTED_STREAM,
        batch: int = 100,
        claim_idle_ms: int = 60_000,
        history: int = 10_000,
        history_bytes: int = 8 * 1024 * 1024,
    ) -> None:
        self.redis = redis
        self.stores = stores
        self.queue = queue
        self.nudge = nudge
        self.consumer = consumer or consumer_name()
        self.stream = stream
        self.group = group
        self.rejected_stream = rejected_stream
        self.batch = batch
        self.claim_idle_ms = claim_idle_ms
        self.history = history
        self.history_bytes = history_bytes
        self._bytes_since_trim = 0
        self._group_ready = False
        # Our own pending entries come first: after a start (none yet, cheap) and after
        # any entry could not be stored.
        self._backlog = True
        self._claim_cursor = "0-0"
        self._claimed_at = 0.0

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    async def process_once(self, block_ms: int = 1000) -> InboxStats:
        """One step: retry own pending entries, else claim a dead consumer's, else read new.

        ``block_ms`` bounds the wait for new entries (0: do not wait).
        """
        stats = InboxStats()
        if not self._group_ready:
            await self.ensure_group()
        try:
            await self._step(stats, block_ms)
        except ResponseError as exc:
            if not _nogroup(exc):
                raise
            # The group is gone (FLUSHALL, a replaced or failed-over Redis): make it again
            # and read the stream from its start; storing is an upsert, so re-reading
            # an entry stored before the loss does no harm.
            logger.warning("inbox: consumer group %s is missing (Redis flushed or replaced?);"
                           " recreating it", self.group)
            self._group_ready = False
            self._backlog = True
            self._claim_cursor = "0-0"
            await self.ensure_group()
        return stats

    async def _step(self, stats: InboxStats, block_ms: int) -> None:
        if self._backlog:
            entries = await self._read("0", None)
            if entries:
                await self._handle_all(entries, stats)
                return
            self._backlog = False
        if time.monotonic() - self._claimed_at >= self.claim_idle_ms / 2000:
            claimed = await self._claim()
            if claimed:
                stats.reclaimed += len(claimed)
                await self._handle_all(claimed, stats)
                return
        entries = await self._read(">", block_ms if block_ms > 0 else None)
        await self._handle_all(entries, stats)

    async def _read(self, from_id: str, block_ms: int | None) -> list[Entry]:
        answer = await self.redis.xreadgroup(
            self.group, self.consumer, {self.stream: from_id}, count=self.batch, block=block_ms
        )
        if not answer:
            return []
        if isinstance(answer, dict):  # RESP3: {stream: [entries]}
            batches = [b[0] if b and isinstance(b[0], list) else b for b in answer.values()]
        else:  # RESP2: [[stream, entries]]
            batches = [batch for _, batch in answer]
        return [(_str(i), f) for batch in batches for i, f in batch]

    async def _claim(self) -> list[Entry]:
        """Take over a batch of entries other (dead) consumers left pending too long."""
        answer = await self.redis.xautoclaim(
            self.stream, self.group, self.consumer, self.claim_idle_ms,
            start_id=self._claim_cursor, count=self.batch,
        )
        self._claim_cursor = _str(answer[0])
        if self._claim_cursor in ("0-0", "0"):
            self._claim_cursor = "0-0"
            self._claimed_at = time.monotonic()
        entries = [(_str(i), f) for i, f in answer[1]]
        if entries:
            logger.info("inbox: claimed %d entries left pending by another consumer",
                        len(entries))
        return entries

    async def _handle_all(self, entries: list[Entry], stats: InboxStats) -> None:
        for entry_id, entry_fields in entries:
            stats.read += 1
            self._bytes_since_trim += entry_size(entry_fields) if entry_fields else 0
            if not await self._handle(entry_id, entry_fields, stats):
                # Stop here: this and the rest of the batch stay pending, in order.
                stats.failed += 1
                self._backlog = True
                return

    async def _handle(
        self, entry_id: str, entry_fields: dict[bytes | str, bytes | str] | None,
        stats: InboxStats,
    ) -> bool:
        """True when the entry is finished with (acknowledged); False to retry it later."""
        if not entry_fields:
            # Deleted from the stream while pending: nothing left to store.
            await self.redis.xack(self.stream, self.group, entry_id)
            return True
        try:
            try:
                event = parse(entry_fields)
            except Rejected:
                raise
            except Exception as exc:  # noqa: BLE001 - no entry may stop the reader
                raise Rejected(f"entry: could not be parsed ({type(exc).__name__})") from None
            if isinstance(event, BookingChanged):
                self.nudge.set()
                stats.nudged += 1
                logger.info("inbox %s: %s; producer nudged", entry_id, event.describe())
                await self.redis.xack(self.stream, self.group, entry_id)
                return True
            stored = await self.stores.store(entry_id, event)
        except Rejected as exc:
            await self._reject(entry_id, entry_fields, exc.reason)
            stats.rejected += 1
            return True
        except DataError as exc:
            # The database refused this value (e.g. too long), not the connection.
            await self._reject(entry_id, entry_fields, f"could not be stored: {exc.args[-1]}")
            stats.rejected += 1
            return True
        except STORE_ERRORS as exc:
            logger.warning("inbox %s: not stored (%s: %s); it stays pending and is retried",
                           entry_id, type(exc).__name__, exc)
            return False
        except (ValueError, TypeError) as exc:
            # The driver could not encode a value: this entry can never be stored.
            await self._reject(entry_id, entry_fields,
                               f"could not be stored ({type(exc).__name__})")
            stats.rejected += 1
            return True
        await self.redis.xack(self.stream, self.group, entry_id)
        if stored.stale:
            stats.stale += 1
            return True
        stats.stored += 1
        logger.info("inbox %s: %s stored", entry_id, event.describe())
        if stored.job is not None:
            try:
                stats.enqueued += int(await stored.job(self.queue))
            except RedisError as exc:
                # Stored is what counts: the producer cycle enqueues it anyway.
                logger.warning("inbox %s: stored, but enqueueing failed (%s); the producer "
                               "cycle will pick it up", entry_id, exc)
        return True

    async def _reject(
        self, entry_id: str, entry_fields: dict[bytes | str, bytes | str], reason: str
    ) -> None:
        """Record the entry (at most ``ORIGINAL_MAX`` bytes of it) with the reason, then ack.

        An entry too large to be an event is deleted from the inbox as well: its
        record holds what a person needs to find the sender, and keeping a megabyte
        of it in the history is how Redis runs out of memory.
        """
        record = rejection(entry_id, entry_fields, reason, self.consumer)
        await self.redis.xadd(self.rejected_stream, record, maxlen=self.history,
                              approximate=True)
        await self.redis.xack(self.stream, self.group, entry_id)
        if entry_size(entry_fields) > ENTRY_MAX_BYTES:
            await self.redis.xdel(self.stream, entry_id)
        logger.warning("inbox %s rejected: %s", entry_id, loggable(reason))

    async def trim(self) -> int:
        """Drop acknowledged history beyond ``history`` entries or ``history_bytes``."""
        self._bytes_since_trim = 0
        return await trim_history(self.redis, self.stream, self.history, self.history_bytes)

    async def prune_consumers(self, idle_ms: int = 3_600_000) -> int:
        """Forget consumer names of processes long gone (one per restart: hostname-pid).

        Only names with nothing pending; a live consumer removed by mistake is recreated
        by its next read.
        """
        removed = 0
        for consumer in await self.redis.xinfo_consumers(self.stream, self.group):
            name = _str(consumer["name"])
            if name != self.consumer and not consumer["pending"] and consumer["idle"] > idle_ms:
                removed += int(await self.redis.xgroup_delconsumer(self.stream, self.group, name))
        return removed

    async def run(self, stop: asyncio.Event, block_ms: int = 1000,
                  housekeeping_s: float = 60.0, health: Loops | None = None) -> None:
        """Process until ``stop``; a failure backs off and retries, never ends the loop.

        Each step is reported to ``health`` (the watchdog's view of this loop).
        """
        delay = 0.5
        housekept = 0.0
        while not stop.is_set():
            trouble: str | None = None
            try:
                stats = await self.process_once(block_ms)
                if stats.failed:
                    trouble = "the state database refused to store an entry"
                due = time.monotonic() - housekept >= housekeeping_s
                if due or self._bytes_since_trim > self.history_bytes // 2:
                    housekept = time.monotonic()
                    await self.trim()
                    await self.prune_consumers()
            except (RedisError, OSError) as exc:
                logger.warning("inbox: Redis trouble (%s); trying again in %.1f s", exc, delay)
                if isinstance(exc, RedisError) and _nogroup(exc):
                    self._group_ready = False
                trouble = f"Redis: {exc}"
            if health is not None:
                if trouble is None:
                    health.ok(LOOP)
                else:
                    health.failed(LOOP, trouble)
            if trouble is not None:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                except TimeoutError:
                    pass
                delay = min(delay * 2, 30.0)
            else:
                delay = 0.5
