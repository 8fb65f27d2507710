"""Sending one planned step, politely and persistently.

Every call goes through the upstream's circuit breaker (a service that is down
is not hammered; a fail-fast costs no rate permit) and its shared rate limiter,
with a few quick in-job retries for transient trouble (a reset connection, a
one-off 503). What is still failing after that is raised to the job, which
lets arq re-schedule it with backoff (see ``policy.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from core.bpjs.models import AntreanAdd, Batal, FarmasiAdd, UpdateWaktu
from core.errors import Outcome, PermanentError, RetryableError
from core.plan import Step
from core.sirs.models import Antrian, AntrianTask
from worker.breaker import CircuitOpenError
from worker.services import Services

__all__ = ["Sent", "guarded", "send_bpjs", "send_sirs"]

IN_JOB_ATTEMPTS = 3


@dataclass(frozen=True)
class Sent:
    outcome: Outcome
    code: str | None
    message: str


def _transient(exc: BaseException) -> bool:
    # An open circuit will not close in a second: leave it to arq's backoff.
    return isinstance(exc, RetryableError) and not isinstance(exc, CircuitOpenError)


async def guarded(services: Services, upstream: str, call: Callable[[], Awaitable[Sent]]) -> Sent:
    retrying = AsyncRetrying(
        retry=retry_if_exception(_transient),
        stop=stop_after_attempt(IN_JOB_ATTEMPTS),
        wait=wait_random_exponential(multiplier=0.2, max=2.0),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            async with services.breakers[upstream].guard(), services.limiters[upstream].slot():
                return await call()
    raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover


M = TypeVar("M", bound=BaseModel)


def _model(model: type[M], step: Step, upstream: str) -> M:
    try:
        return model.model_validate(step.body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PermanentError(
            f"{step.name}: the body built from Khanza is invalid: {where}: {first['msg']}",
            service=upstream,
        ) from None


async def send_bpjs(services: Services, step: Step) -> Sent:
    client = services.bpjs

    async def call() -> Sent:
        if step.kind == "add":
            result = await client.antrean_add(_model(AntreanAdd, step, "bpjs"))
        elif step.kind == "task":
            result = await client.update_waktu(_model(UpdateWaktu, step, "bpjs"))
        elif step.kind == "farmasi":
            result = await client.farmasi_add(_model(FarmasiAdd, step, "bpjs"))
        else:
            result = await client.batal(_model(Batal, step, "bpjs"))
        return Sent(result.outcome, result.code, result.message)

    return await guarded(services, "bpjs", call)


async def send_sirs(services: Services, step: Step) -> Sent:
    api = services.sirs

    async def call() -> Sent:
        if step.kind == "add":
            result = await api.post_antrian(_model(Antrian, step, "sirs"))
        elif step.kind == "correct":  # Khanza changed an accepted task time
            result = await api.put_task(_model(AntrianTask, step, "sirs"))
        else:
            result = await api.post_task(_model(AntrianTask, step, "sirs"))
        return Sent(result.outcome, result.status, result.message)

    return await guarded(services, "sirs", call)
