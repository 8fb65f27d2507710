"""The arq worker: which jobs exist and how a worker process lives and dies.

``build_worker`` is what ``simrs-bridge worker`` runs. Services (clients,
pools, limiters) are built in ``on_startup`` inside the worker's loop and
closed in ``on_shutdown``. On SIGTERM the worker stops taking jobs and gives
running ones ``SIMRS_BRIDGE_SHUTDOWN_GRACE`` seconds to finish; a job still
running then is cancelled and arq queues it again. That is safe because every
job is idempotent: the ledger only ever records acknowledged steps, and a
step whose answer was lost is simply sent again (the upstream answers
"already there", which counts as done).
"""

from __future__ import annotations

import logging
from typing import Any, cast

from arq import func
from arq.connections import RedisSettings
from arq.typing import WorkerCoroutine

from core.keys import (
    BPJS_BOOKING,
    BPJS_RECONCILE,
    BPJS_SCHEDULE_CHECK,
    QUEUE_NAME,
    SIRS_ANTRIAN,
    SIRS_BEDS,
    SIRS_KEBUTUHAN,
    SIRS_REPORT,
    SIRS_SHK,
)
from core.queue import TRY_CEILING, deserialize, serialize
from core.settings import Settings
from worker.guard import RUNNING, Job, guarded
from worker.jobs.beds import sirs_beds
from worker.jobs.booking import bpjs_booking, sirs_antrian
from worker.jobs.kebutuhan import sirs_kebutuhan
from worker.jobs.reconcile import bpjs_reconcile
from worker.jobs.reports import sirs_report
from worker.jobs.runner import requeue_if_dirty
from worker.jobs.schedule import bpjs_schedule_check
from worker.jobs.shk import sirs_shk
from worker.resilient import ResilientWorker
from worker.services import open_services

__all__ = ["JOBS", "build_worker", "worker_functions"]

logger = logging.getLogger(__name__)


JOBS: dict[str, Job] = {
    BPJS_BOOKING: bpjs_booking,
    SIRS_ANTRIAN: sirs_antrian,
    SIRS_REPORT: sirs_report,
    SIRS_KEBUTUHAN: sirs_kebutuhan,
    SIRS_SHK: sirs_shk,
    SIRS_BEDS: sirs_beds,
    # Never retried: a stopped read-back or check is resumed by its next scheduled run.
    BPJS_RECONCILE: bpjs_reconcile,
    BPJS_SCHEDULE_CHECK: bpjs_schedule_check,
}


def worker_functions(settings: Settings) -> list[Any]:
    # Our own policy decides retries and dead letters (jobs/policy.py, worker/guard.py).
    # arq's bound would drop a job past it without a trace, so it is set out of reach
    # (core.queue clamps any try count to it) and the guard buries such a job instead.
    del settings
    return [func(cast(WorkerCoroutine, guarded(name, job)), name=name, keep_result=0,
                 max_tries=TRY_CEILING) for name, job in JOBS.items()]


async def _startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    ctx["services"] = await open_services(settings)
    ctx[RUNNING] = set()  # shared by every job's ctx (arq copies this dict shallowly)
    logger.info("worker ready: BPJS %s, RS Online %s", settings.bpjs_base_url,
                settings.sirs_base_url)


async def _shutdown(ctx: dict[str, Any]) -> None:
    services = ctx.pop("services", None)
    if services is not None:
        await services.close()


def build_worker(settings: Settings, *, burst: bool = False) -> ResilientWorker:
    """A worker on the current event loop (construct it inside ``asyncio.run``)."""
    return ResilientWorker(
        functions=worker_functions(settings),
        queue_name=QUEUE_NAME,
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        on_startup=_startup,
        on_shutdown=_shutdown,
        after_job_end=requeue_if_dirty,
        ctx={"settings": settings},
        max_jobs=settings.worker_max_jobs,
        job_timeout=settings.job_timeout,
        keep_result=0,
        poll_delay=0.1,
        job_completion_wait=settings.shutdown_grace,
        job_serializer=serialize,
        job_deserializer=deserialize,
        burst=burst,
        health_check_interval=30,
    )
