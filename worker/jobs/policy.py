"""When a job tries again, and when it gives up and leaves a dead letter.

Transient failures and "blocked" answers (an earlier task not accepted yet)
are re-scheduled by arq with exponential backoff and jitter, so a fleet of
jobs does not return in lock-step after an outage. Tries and age are
bounded: past either bound the work becomes a dead letter with the last
upstream message, visible and replayable, never silently dropped.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

from arq.worker import Retry

from core.errors import UpstreamError
from worker.services import Services

__all__ = ["backoff", "bury", "retry_or_bury"]

logger = logging.getLogger(__name__)

FIRST_DELAY = 2.0
MAX_DELAY = 600.0


def backoff(job_try: int) -> float:
    """2 s, 4 s, 8 s ... capped at 10 minutes, each ±20 %."""
    delay = min(MAX_DELAY, FIRST_DELAY * 2.0 ** max(job_try - 1, 0))
    return delay * random.uniform(0.8, 1.2)


async def retry_or_bury(
    ctx: dict[str, Any], exc: UpstreamError, function: str, args: list[Any],
    *, job_id: str | None = None,
) -> str:
    """Raise arq's ``Retry`` while tries and age allow; otherwise write a dead letter."""
    services: Services = ctx["services"]
    settings = services.settings
    job_try = int(ctx.get("job_try", 1))
    enqueued_ms = ctx.get("enqueue_time")
    age_hours = 0.0
    if enqueued_ms is not None:
        started = enqueued_ms.timestamp() if hasattr(enqueued_ms, "timestamp") else enqueued_ms
        age_hours = (time.time() - float(started)) / 3600
    retry_after = getattr(exc, "retry_after", None)
    if job_try < settings.job_max_tries and age_hours < settings.job_max_age_hours:
        delay = max(backoff(job_try), float(retry_after or 0))
        logger.info("%s: %s; try %d again in %.0f s", ctx.get("job_id"), exc, job_try + 1, delay)
        raise Retry(defer=delay)
    step = exc.dead_letter.get("step")
    letter = await bury(ctx, exc, function, args, job_id=job_id,
                        message=f"gave up after {job_try} tries: "
                                f"{f'{step}: ' if step else ''}{exc.message}",
                        **exc.dead_letter)
    return f"dead letter {letter}"


async def bury(
    ctx: dict[str, Any], exc: UpstreamError, function: str, args: list[Any],
    *, job_id: str | None = None, message: str | None = None, **details: Any,
) -> int:
    """Leave the job's dead letter with the upstream's words; attempts are arq's tries.

    ``job_id`` is the keyed id a replay queues again (``core.keys``), arq's own by
    default; ``details`` go to the dead-letter store as they are (the visit and step,
    where the job knows them)."""
    services: Services = ctx["services"]
    job_try = int(ctx.get("job_try", 1))
    letter = await services.dead_letters.add(
        job_id or str(ctx.get("job_id")), function, args, upstream=exc.service, outcome=exc.outcome,
        code=exc.code, message=message or exc.message, attempts=job_try, **details,
    )
    logger.warning("%s: dead letter %d after %d tries: %s", job_id or ctx.get("job_id"),
                   letter, job_try, exc)
    return letter
