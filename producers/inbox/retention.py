"""What the inbox keeps in Redis, bounded by bytes as well as by count.

Memory, not the entry count, is what runs out: 100 entries of 1 MB once took
Redis to 157 MB, and 10,000 would have held 10 GB. So a rejection record
holds at most ``ORIGINAL_MAX`` bytes of the entry it explains, and the
acknowledged history of the inbox stream is trimmed to ``history`` entries
*and* ``history_bytes`` bytes, whichever is smaller. Unprocessed entries
(pending, or not yet delivered to the group) are never trimmed.
"""

from __future__ import annotations

import logging
from typing import Any

import redis.asyncio as aioredis

__all__ = ["META", "ORIGINAL_MAX", "entry_size", "id_key", "rejection", "safe", "text",
           "trim_history"]

logger = logging.getLogger(__name__)

META = ("reason", "original_id", "consumer", "truncated")
ORIGINAL_MAX = 2048  # bytes of the rejected entry copied into its record


def safe(value: bytes | str) -> str:
    """Text that can always be written to Redis and to a log (lone surrogates escaped)."""
    decoded = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return decoded.encode("utf-8", "backslashreplace").decode("utf-8")


def text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def entry_size(entry_fields: dict[bytes | str, bytes | str]) -> int:
    return sum(len(k) + len(v) for k, v in entry_fields.items())


def id_key(entry_id: str) -> tuple[int, int]:
    millis, _, seq = entry_id.partition("-")
    return int(millis), int(seq or 0)


def rejection(entry_id: str, entry_fields: dict[bytes | str, bytes | str], reason: str,
              consumer: str) -> dict[Any, Any]:
    """The rejected stream's record: the reason and at most ``ORIGINAL_MAX`` bytes of entry."""
    record: dict[Any, Any] = {"reason": reason, "original_id": entry_id, "consumer": consumer}
    room = ORIGINAL_MAX
    truncated = False
    for name, value in entry_fields.items():
        key = safe(name)[:100]
        raw = value if isinstance(value, bytes) else safe(value).encode("utf-8")
        if room <= 0:
            truncated = True
            break
        if len(raw) > room:
            raw, truncated = raw[:room], True
        room -= len(raw) + len(key)
        record[f"original.{key}" if key in META else key] = raw
    if truncated:
        record["truncated"] = "1"
    return record


async def trim_history(redis: aioredis.Redis, stream: str, history: int,
                       history_bytes: int) -> int:
    """Drop acknowledged entries beyond ``history`` or ``history_bytes``; never unprocessed ones."""
    if not await redis.exists(stream):
        return 0
    floor: tuple[int, int] | None = None
    for group in await redis.xinfo_groups(stream):
        # Last-delivered first, then pending: an entry delivered in between is
        # either pending when we look or already acknowledged.
        bounds = [id_key(text(group["last-delivered-id"]))]
        pending = await redis.xpending(stream, text(group["name"]))
        if pending["pending"]:
            bounds.append(id_key(text(pending["min"])))
        low = min(bounds)
        floor = low if floor is None else min(floor, low)
    if floor is None or floor == (0, 0):
        return 0
    below = await redis.xrevrange(stream, max=f"({floor[0]}-{floor[1]}", min="-", count=history)
    kept = 0
    cut = None
    for index, (_, entry_fields) in enumerate(below):
        kept += entry_size(entry_fields)
        if kept > history_bytes:
            cut = index  # this one and older ones go
            break
    if cut is None:
        if len(below) < history:
            return 0
        cut = len(below)  # the count bound: keep all ``history`` of them
    # Everything older than the oldest entry kept goes; exact, not ``~``, so that a few
    # large entries cannot outlive the byte budget.
    keep_from = below[cut - 1][0] if cut > 0 else f"{floor[0]}-{floor[1]}"
    removed = int(await redis.xtrim(stream, minid=text(keep_from), approximate=False))
    if removed:
        logger.info("inbox: trimmed %d acknowledged entries", removed)
    return removed
