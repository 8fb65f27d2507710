"""Job names, deterministic job ids, JSON serialisation and enqueueing.

Job ids are derived from the unit of work (``bpjs:booking:<kodebooking>``,
``sirs:antrian:<kodebooking>``, ``sirs:beds``, ``sirs:<kind>:<tanggal>``), so a
burst of changes coalesces into one queued job (DESIGN.md principle 2). arq
refuses an id that is queued or running; when that happens the enqueue sets a
"dirty" flag the running job checks before it finishes, so a change that
arrives mid-run is picked up by another pass instead of waiting for the next
producer cycle.

Jobs are JSON, never pickle (principle 5): anything that can write to Redis
must not be able to make the worker run code. ``deserialize`` accepts only a
JSON object, so a pickle payload fails to decode and the job is dropped
unexecuted.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool

__all__ = [
    "BEDS_JOB_ID",
    "BPJS_BOOKING",
    "QUEUE_NAME",
    "SIRS_ANTRIAN",
    "SIRS_BEDS",
    "SIRS_REPORT",
    "booking_job_id",
    "deserialize",
    "dirty_key",
    "enqueue",
    "open_queue",
    "report_job_id",
    "serialize",
]

logger = logging.getLogger(__name__)

QUEUE_NAME = "simrs-bridge:queue"
BPJS_BOOKING = "bpjs_booking"
SIRS_ANTRIAN = "sirs_antrian"
SIRS_BEDS = "sirs_beds"
SIRS_REPORT = "sirs_report"
BEDS_JOB_ID = "sirs:beds"
DIRTY_TTL = 24 * 3600


def booking_job_id(function: str, kodebooking: str) -> str:
    prefix = "bpjs:booking" if function == BPJS_BOOKING else "sirs:antrian"
    return f"{prefix}:{kodebooking}"


def report_job_id(kind: str, tanggal: date | str) -> str:
    text = tanggal.isoformat() if isinstance(tanggal, date) else tanggal
    return f"sirs:{kind}:{text}"


def dirty_key(job_id: str) -> str:
    return f"simrs-bridge:dirty:{job_id}"


def serialize(value: dict[str, Any]) -> bytes:
    # arq also serialises a failed job's result, which holds the exception: store its text.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=repr).encode(
        "utf-8"
    )


def deserialize(raw: bytes) -> dict[str, Any]:
    value = json.loads(raw.decode("utf-8"))
    if not isinstance(value, dict):
        raise ValueError("a job must be a JSON object")
    return value


async def open_queue(redis_url: str) -> ArqRedis:
    return await create_pool(
        RedisSettings.from_dsn(redis_url),
        job_serializer=serialize,
        job_deserializer=deserialize,
        default_queue_name=QUEUE_NAME,
    )


async def enqueue(
    queue: ArqRedis, function: str, *args: Any, job_id: str, **kwargs: Any
) -> bool:
    """Queue a job unless one with this id is queued or running; True if queued now."""
    job = await queue.enqueue_job(function, *args, _job_id=job_id, **kwargs)
    if job is None:
        await queue.set(dirty_key(job_id), b"1", ex=DIRTY_TTL)
        return False
    return True
