"""Retry or dead letter: exponential backoff with jitter, bounded by tries and by age."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq.worker import Retry

from core.errors import Outcome, PermanentError, RetryableError
from worker.breaker import CircuitOpenError
from worker.jobs.policy import FIRST_DELAY, MAX_DELAY, backoff, retry_or_bury
from worker.services import Services

Ctx = Callable[..., dict[str, Any]]


@pytest.mark.parametrize(("job_try", "nominal"), [
    (0, 2.0), (1, 2.0), (2, 4.0), (3, 8.0), (6, 64.0), (9, 512.0), (10, 600.0), (40, 600.0)])
def test_backoff_doubles_from_2_s_to_a_10_minute_cap_within_20_percent(
    job_try: int, nominal: float
) -> None:
    delays = [backoff(job_try) for _ in range(300)]
    assert all(0.8 * nominal <= d <= 1.2 * nominal for d in delays)
    # Jitter really spreads them (not one fixed value): a fleet does not return in lock-step.
    assert min(delays) < 0.9 * nominal and max(delays) > 1.1 * nominal
    assert len(set(delays)) > 250
    assert 0.95 * nominal < statistics.mean(delays) < 1.05 * nominal


def test_backoff_constants_are_the_documented_ones() -> None:
    assert (FIRST_DELAY, MAX_DELAY) == (2.0, 600.0)


async def count_letters(services: Services) -> int:
    return await services.dead_letters.count_open()


async def test_a_failure_with_tries_left_is_retried_later(services: Services, ctx: Ctx) -> None:
    exc = RetryableError("503 from gateway", service="bpjs", code="503")
    with pytest.raises(Retry) as raised:
        await retry_or_bury(ctx(job_try=3, job_id="bpjs:booking:B1"), exc, "bpjs_booking", ["B1"])
    assert raised.value.defer_score is not None
    assert 0.8 * 8000 <= raised.value.defer_score <= 1.2 * 8000  # try 3: 8 s ± 20 %
    assert await count_letters(services) == 0


async def test_an_open_circuit_defers_at_least_until_its_next_probe(
    services: Services, ctx: Ctx
) -> None:
    exc = CircuitOpenError(service="sirs", until=datetime.now(UTC), trip="5 failures",
                           last_reason="503", retry_after=300.0)
    with pytest.raises(Retry) as raised:
        await retry_or_bury(ctx(job_try=1), exc, "sirs_antrian", ["X"])
    assert raised.value.defer_score == 300_000  # far more than try 1's 2 s backoff


async def test_the_last_try_leaves_a_dead_letter_with_the_upstream_message(
    services: Services, ctx: Ctx
) -> None:
    tries = services.settings.job_max_tries
    exc = PermanentError("Rujukan tidak valid", service="bpjs", code="201")
    context = ctx(job_try=tries, job_id="bpjs:booking:B2")
    result = await retry_or_bury(context, exc, "bpjs_booking", ["B2"])
    [letter] = await services.dead_letters.open()
    assert result == f"dead letter {letter.id}"
    assert (letter.job_id, letter.function, letter.args) == ("bpjs:booking:B2", "bpjs_booking",
                                                             ["B2"])
    assert (letter.upstream, letter.outcome, letter.code) == ("bpjs", Outcome.PERMANENT, "201")
    assert letter.attempts == tries
    assert letter.message == f"gave up after {tries} tries: Rujukan tidak valid"
    # One try fewer would still have been retried.
    with pytest.raises(Retry):
        await retry_or_bury(ctx(job_try=tries - 1), exc, "bpjs_booking", ["B2"])
    assert await count_letters(services) == 1


async def test_work_older_than_the_age_bound_is_buried_even_with_tries_left(
    services: Services, ctx: Ctx
) -> None:
    hours = services.settings.job_max_age_hours
    exc = RetryableError("timeout", service="sirs")
    young = ctx(job_try=2) | {"enqueue_time": datetime.now(UTC) - timedelta(hours=hours - 1)}
    with pytest.raises(Retry):
        await retry_or_bury(young, exc, "sirs_antrian", ["Y"])
    old = ctx(job_try=2, job_id="sirs:antrian:Y") | {
        "enqueue_time": datetime.now(UTC) - timedelta(hours=hours + 1)}
    result = await retry_or_bury(old, exc, "sirs_antrian", ["Y"])
    [letter] = await services.dead_letters.open()
    assert result == f"dead letter {letter.id}"
    assert (letter.job_id, letter.outcome, letter.attempts) == ("sirs:antrian:Y", Outcome.RETRY, 2)
    assert letter.message == "gave up after 2 tries: timeout"


async def test_a_dead_letter_after_the_last_retry_names_the_step_and_visit_the_job_added(
    services: Services, ctx: Ctx
) -> None:
    exc = RetryableError("HTTP 503", service="bpjs", code="503")
    exc.dead_letter.update(step="task 3", payload_hash="ab12",
                           visit={"no_rawat": "2025/01/15/000003", "norm": "****03"})
    context = ctx(job_try=services.settings.job_max_tries, job_id="bpjs:booking:B3")
    await retry_or_bury(context, exc, "bpjs_booking", ["B3"])
    [letter] = await services.dead_letters.open()
    assert (letter.step, letter.payload_hash) == ("task 3", "ab12")
    assert letter.visit == {"no_rawat": "2025/01/15/000003", "norm": "****03"}
    assert letter.message.endswith("tries: task 3: HTTP 503")
