"""arq's Worker, taught to ride out a Redis restart instead of exiting.

arq's poll loop lets any Redis error escape ``Worker.main``: a one-second
Redis restart ended the worker with a traceback, and systemd had to start a
new one while the jobs in flight failed. Here a poll that meets a Redis
error is logged and retried with backoff (0.5 s doubling to 10 s), the
jobs already running carry on, and a job's final bookkeeping
(``finish_job``: acknowledge, re-schedule) is retried until Redis is back,
so a job that ran is not run again for want of its acknowledgement.

The overrides are of arq 0.28's ``_poll_iteration``, ``start_jobs`` and
``finish_job``; each calls arq's own code and only adds the error handling
(``tests/worker/test_resilient.py`` exercises them against a real Redis).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from arq.worker import Worker
from redis.exceptions import RedisError

from core.health import Loops

__all__ = ["LOOP", "ResilientWorker"]

logger = logging.getLogger(__name__)

LOOP = "job poll"
OUTAGE = (RedisError, OSError)
FINISH_PATIENCE = 120.0  # seconds a job's acknowledgement waits for Redis to return


class ResilientWorker(Worker):
    def __init__(self, *args: Any, loops: Loops | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loops = loops or Loops()
        # No good poll for two minutes (Redis gone that long): let the watchdog say so.
        self.loops.watch(LOOP, stale_after=120.0)
        self._poll_delay = 0.5
        self.outages = 0

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except OUTAGE as exc:
            self.outages += 1
            self.loops.failed(LOOP, f"Redis: {exc}")
            logger.warning("worker: Redis unavailable (%s: %s); polling again in %.1f s, "
                           "running jobs carry on", type(exc).__name__, exc, self._poll_delay)
            await asyncio.sleep(self._poll_delay)
            self._poll_delay = min(self._poll_delay * 2, 10.0)
            return
        except Exception:  # a finished job's task raised: log it, keep the worker
            logger.exception("worker: a job's bookkeeping failed; carrying on")
            return
        if self._poll_delay > 0.5:
            logger.info("worker: Redis is back")
        self._poll_delay = 0.5
        self.loops.ok(LOOP)

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        """arq's, one id at a time, giving back the slot a Redis error leaves taken."""
        for job_id in job_ids:
            before = self.job_counter
            task = self.tasks.get(job_id.decode())
            try:
                await super().start_jobs([job_id])
            except OUTAGE:
                if self.job_counter > before and self.tasks.get(job_id.decode()) is task:
                    # arq took a slot and the semaphore, then the pipeline failed
                    self.job_counter -= 1
                    self.sem.release()
                raise

    async def finish_job(self, job_id: str, *args: Any, **kwargs: Any) -> None:
        deadline = time.monotonic() + FINISH_PATIENCE
        delay = 0.2
        while True:
            try:
                await super().finish_job(job_id, *args, **kwargs)
                return
            except OUTAGE as exc:
                if time.monotonic() > deadline:
                    logger.error("%s: could not record the end of the run (%s); it runs again "
                                 "once its in-progress marker expires", job_id, exc)
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
