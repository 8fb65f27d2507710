"""The one control loop every keyed job runs in.

A job is keyed by its unit of work (``core.keys``: ``bpjs:booking:<kodebooking>``,
``sirs:<kind>:<tanggal>`` ...). arq refuses to queue an id that is already
queued or running, so ``core.queue.enqueue`` sets the id's *dirty* flag first. This
loop owns what every job must do around that, so no job can do it differently
(five hand-written copies had drifted: some checked the flag with a plain
``EXISTS``, dead letters counted attempts two ways):

- the dirty flag is cleared before the job reads anything, and checked *and*
  cleared in one transaction after each pass; if it was set, a change arrived
  mid-run and another pass reads anew (the newest values win, principle 2);
- an ``UpstreamError`` raised by a pass ends the job: a permanent refusal
  leaves a dead letter at once, anything else goes to
  ``policy.retry_or_bury`` (backoff, then a dead letter); attempts are arq's
  ``job_try`` in both;
- the job id is the logging context for everything the pass does;
- after arq has finished the job (its keys gone, so an enqueue is no longer
  refused), ``requeue_if_dirty`` looks at the flag once more: a change that
  arrived between the last check and the end of the job queues the job again
  instead of waiting for the next producer cycle, or for ever for an inbox
  event nothing polls.

A pass is a coroutine function taking ``force`` (a replay sends even what was
sent or refused before; only the first pass is forced) and returning a
one-line summary. What a job must record about a failure on its own rows
(``mark_failed``) it does inside the pass before re-raising.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from redis.exceptions import RedisError

from core.errors import Outcome, UpstreamError
from core.keys import dirty_key
from core.observe import current_job_id
from core.queue import enqueue
from worker.jobs.policy import bury, retry_or_bury
from worker.services import Services

__all__ = ["KEYED", "Pass", "requeue_if_dirty", "run_keyed"]

logger = logging.getLogger(__name__)

Pass = Callable[[bool], Awaitable[str]]
KEYED = "keyed_job"  # ctx key: (function, args, job id) of the keyed job this run is


async def run_keyed(
    ctx: dict[str, Any], function: str, args: list[Any], job_id: str, one_pass: Pass,
    *, force: bool = False,
) -> str:
    services: Services = ctx["services"]
    dirty = dirty_key(job_id)
    ctx[KEYED] = (function, list(args), job_id)
    token = current_job_id.set(job_id)
    try:
        # Cleared before anything is read, so a change enqueued after the read leaves it set.
        await services.redis.delete(dirty)
        while True:
            try:
                summary = await one_pass(force)
            except UpstreamError as exc:
                if exc.outcome is Outcome.PERMANENT:
                    letter = await bury(ctx, exc, function, args, job_id=job_id,
                                        **exc.dead_letter)
                    return f"dead letter {letter}"
                return await retry_or_bury(ctx, exc, function, args, job_id=job_id)
            if not await _take(services, dirty):
                logger.info("%s: %s", job_id, summary)
                return summary
            logger.debug("%s: %s; changed meanwhile, another pass", job_id, summary)
            force = False
    finally:
        current_job_id.reset(token)


async def _take(services: Services, dirty: str) -> bool:
    """Check and clear the dirty flag in one round trip."""
    async with services.redis.pipeline(transaction=True) as pipe:
        pipe.exists(dirty)
        pipe.delete(dirty)
        changed, _ = await pipe.execute()
    return bool(changed)


async def requeue_if_dirty(ctx: dict[str, Any]) -> None:
    """arq's ``after_job_end``: queue the keyed job again if a change came after its last pass.

    ``core.queue.enqueue`` sets the flag before asking arq, so every change is
    seen by one of: the running pass's check, this check, or arq accepting the
    enqueue itself. Redis failing here is logged, not raised: the run is over
    and the producer's next cycle still finds anything unsent.
    """
    keyed = ctx.get(KEYED)
    if keyed is None:
        return
    function, args, job_id = keyed
    try:
        if await ctx["redis"].exists(dirty_key(job_id)) and await enqueue(
                ctx["redis"], function, *args, job_id=job_id):
            logger.debug("%s: changed after its last pass; queued again", job_id)
    except (RedisError, OSError) as exc:
        logger.warning("%s: could not check for a late change (%s); the next cycle will",
                       job_id, type(exc).__name__)
