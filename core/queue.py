"""JSON serialisation and enqueueing of jobs (their names and ids: ``core.keys``).

arq refuses an id that is queued or running. So every enqueue first sets the
id's "dirty" flag, then asks arq to queue: a running job checks the flag after
each pass (and arq's ``after_job_end`` checks it once more, once the job's keys
are gone, ``worker.jobs.runner.requeue_if_dirty``), so a change that arrives
mid-run is picked up by another pass instead of waiting for the next producer
cycle. The flag is set *before* the enqueue because the other order leaves a
window: refused while the job ran, the job then finishing and checking before
the flag lands, and the change would wait for the next cycle (an inbox event
for ever). A flag left by a successful enqueue is cleared when that job starts.

Jobs are JSON, never pickle (principle 5): anything that can write to Redis
must not be able to make the worker run code. ``deserialize`` accepts only a
JSON object, so a pickle payload fails to decode and the job is dropped
unexecuted. A try count that is not a plausible number (``"t": 10**9``, a
string, a bool) is read as ``TRY_CEILING``: arq would drop such a job
silently, the worker's guard turns it into a dead letter instead.
"""

from __future__ import annotations

import json
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool

from core.keys import QUEUE_NAME, SIRS_KEBUTUHAN, SIRS_SHK, dirty_key, kebutuhan_job_id, shk_job_id

__all__ = [
    "DIRTY_TTL",
    "TRY_CEILING",
    "deserialize",
    "enqueue",
    "enqueue_kebutuhan",
    "enqueue_shk",
    "open_queue",
    "serialize",
]

DIRTY_TTL = 24 * 3600
TRY_CEILING = 1_000_000  # arq's max_tries; far above any real count (settings allow 1000)


def serialize(value: dict[str, Any]) -> bytes:
    # arq also serialises a failed job's result, which holds the exception: store its text.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=repr).encode(
        "utf-8"
    )


def deserialize(raw: bytes) -> dict[str, Any]:
    value = json.loads(raw.decode("utf-8"))
    if not isinstance(value, dict):
        raise ValueError("a job must be a JSON object")
    tries = value.get("t")
    if tries is not None and (
        isinstance(tries, bool) or not isinstance(tries, int) or not 0 <= tries <= TRY_CEILING
    ):
        value["t"] = TRY_CEILING
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
    await queue.set(dirty_key(job_id), b"1", ex=DIRTY_TTL)
    return await queue.enqueue_job(function, *args, _job_id=job_id, **kwargs) is not None


async def enqueue_kebutuhan(queue: ArqRedis, kind: str, id_kebutuhan: str) -> bool:
    """Queue the job for one SDM/APD need (coalesced with a queued one); True if queued now."""
    return await enqueue(queue, SIRS_KEBUTUHAN, kind, id_kebutuhan,
                         job_id=kebutuhan_job_id(kind, id_kebutuhan))


async def enqueue_shk(queue: ArqRedis, pasien_id: int) -> bool:
    """Queue the job for one baby's SHK screening (coalesced with a queued one)."""
    return await enqueue(queue, SIRS_SHK, pasien_id, job_id=shk_job_id(pasien_id))
