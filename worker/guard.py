"""What every job run goes through before and around its own code.

Three things the job functions cannot do for themselves:

- **One run of a job id at a time in this process.** arq keeps a job's
  "in progress" marker only in Redis; a ``FLUSHALL`` (or a replaced Redis)
  wipes it, the producer queues the same id again, and arq would start a
  second run beside the first. A duplicate here marks the job dirty (the
  running one then makes another pass, ``core.queue``) and ends at once.
- **Outages are waited out, not failed.** Redis restarting or the state
  database going away mid-run raises connection errors inside the job; arq
  would record a failure and drop the job until the producer queues it
  again. Here they become arq's ``Retry`` with backoff, so the job is kept.
- **A try count beyond the limit is a dead letter**, never a silent drop: a
  forged or corrupted job claiming its billionth try (``core.queue``
  clamps it) is buried with the reason, visible and replayable.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiomysql
from arq.worker import Retry
from redis.exceptions import RedisError

from core.errors import Outcome
from core.keys import dirty_key
from core.queue import DIRTY_TTL
from worker.jobs.policy import backoff
from worker.services import Services

__all__ = ["RUNNING", "Job", "guarded", "over_limit"]

logger = logging.getLogger(__name__)

RUNNING = "running_job_ids"  # ctx key: the job ids this process is running now
# The errors of an unreachable Redis or state database (not of a bad request).
OUTAGE_ERRORS = (RedisError, aiomysql.OperationalError, aiomysql.InterfaceError, OSError)

Job = Callable[..., Awaitable[Any]]


def over_limit(job_try: int, max_tries: int) -> bool:
    """arq's own bound was one above ours (a backstop); beyond it is not a real retry."""
    return job_try > max_tries + 1


async def _bury(ctx: dict[str, Any], name: str, args: tuple[Any, ...], job_try: int) -> str:
    services: Services = ctx["services"]
    limit = services.settings.job_max_tries
    job_id = str(ctx.get("job_id"))
    letter = await services.dead_letters.add(
        job_id, name, list(args), upstream=None, outcome=Outcome.PERMANENT, code=None,
        message=f"gave up: try {job_try} is beyond the limit of {limit} tries (retried "
                "through a long outage, or a forged or corrupted try count)",
        attempts=min(job_try, 2**31 - 1),
    )
    logger.warning("%s: try %d is beyond the limit of %d; dead letter %d", job_id, job_try,
                   limit, letter)
    return f"dead letter {letter}"


def guarded(name: str, job: Job) -> Job:
    """``job`` wrapped as the module docstring says; arq registers the wrapper."""

    @functools.wraps(job)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        services: Services = ctx["services"]
        job_id = str(ctx.get("job_id"))
        job_try = int(ctx.get("job_try", 1))
        running: set[str] = ctx.setdefault(RUNNING, set())
        try:
            if over_limit(job_try, services.settings.job_max_tries):
                return await _bury(ctx, name, args, job_try)
            if job_id in running:
                await services.redis.set(dirty_key(job_id), b"1", ex=DIRTY_TTL)
                logger.info("%s: already running in this worker; marked for another pass",
                            job_id)
                return "already running"
            running.add(job_id)
            try:
                return await job(ctx, *args, **kwargs)
            finally:
                running.discard(job_id)
        except OUTAGE_ERRORS as exc:
            delay = backoff(job_try)
            logger.warning("%s: %s (%s); the job is kept and runs again in %.0f s", job_id,
                           type(exc).__name__, exc, delay)
            raise Retry(defer=delay) from exc

    return run
