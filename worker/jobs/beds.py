"""``sirs_beds``: make RS Online's bed records equal Khanza's counts, in one reconcile.

The job carries no values (DESIGN.md principle 2): it re-reads the ward counts
and the mapping when it runs, so a burst of admissions becomes one reconcile
with the newest numbers. ``reconcile_beds`` does the GET/POST/PUT/DELETE
choreography; every HTTP call it makes passes the RS Online circuit breaker and
the shared rate limiter one by one (``_GuardedRsOnline``), because a reconcile
of forty wards is forty calls, not one, and a breaker that opens halfway must
stop the rest. A group the server refuses for good becomes a dead letter with
the server's words (one open letter per distinct message, so a refusal that
repeats every reconcile does not flood the list); the others still go out.
"""

from __future__ import annotations

import json
import time
from typing import Any

from core.beds import DesiredBeds, LastReconcile, load_desired, read_last, write_last
from core.errors import Outcome, RetryableError, UpstreamError
from core.keys import BEDS_JOB_ID, BEDS_STATUS, SIRS_BEDS
from worker.jobs.runner import run_keyed
from worker.jobs.send import Sent, guarded
from worker.services import Services
from worker.sirs.beds import ReconcileSummary, reconcile_beds
from worker.sirs.client import SERVICE, SirsAnswer
from worker.sirs.endpoints import RsOnline

__all__ = ["REFRESH_EVERY", "sirs_beds"]


# PUT even unchanged groups once an hour: the public SIRANAP view shows each record's
# tglupdate, and a ward whose counts did not move must not look abandoned. Hourly is
# what Khanza's own SIRS service does and the reference's reconcile-mode default.
REFRESH_EVERY = 3600.0


class _GuardedRsOnline(RsOnline):
    """The worker's RS Online client with the breaker and limiter around each call.

    A subclass, not a new client: ``reconcile_beds`` wants an ``RsOnline``, and
    every endpoint method funnels into ``call``, so overriding that one method
    guards them all while the session, credentials and audit observer stay the
    worker's own (``guarded`` also gives each call its few quick in-job retries).
    """

    def __init__(self, services: Services) -> None:  # no super(): delegates to services.sirs
        self._services = services
        self._inner = services.sirs
        self.base_url = services.sirs.base_url
        self.rs_id = services.sirs.rs_id

    async def call(self, method: str, resource: str, **kwargs: Any) -> SirsAnswer:
        answers: list[SirsAnswer] = []

        async def once() -> Sent:
            answer = await self._inner.call(method, resource, **kwargs)
            answers.append(answer)
            return Sent(answer.outcome, answer.status, answer.message)

        await guarded(self._services, SERVICE, once)
        return answers[-1]

    async def close(self) -> None:
        """The worker owns the real client; closing this view closes nothing."""


def _names(keys: list[tuple[str, str]]) -> list[str]:
    return [f"{id_tt}/{ruang}" for id_tt, ruang in keys]


async def _publish(
    services: Services, desired: DesiredBeds | None, summary: ReconcileSummary | None,
    *, started: float, message: str,
) -> None:
    """The dashboard's view of the last run; a failed run keeps the last success time."""
    previous = await services.redis.get(BEDS_STATUS)
    last_success = json.loads(previous).get("last_success") if previous else None
    if summary is not None:
        last_success = time.time()
    status: dict[str, Any] = {
        "last_run": started, "last_success": last_success, "message": message,
        "groups": len(desired.groups) if desired else None,
        "unmapped": [list(w) for w in desired.unmapped_wards] if desired else [],
        "invalid": desired.invalid if desired else [],
    }
    if summary is not None:
        status.update(posted=_names(summary.posted), updated=_names(summary.updated),
                      unchanged=_names(summary.unchanged), deleted=summary.deleted,
                      kept=summary.kept, errors=summary.errors)
    await services.redis.set(BEDS_STATUS, json.dumps(status, ensure_ascii=False))


async def _bury(ctx: dict[str, Any], message: str, outcome: Outcome, code: str | None) -> bool:
    """Dead-letter a refusal unless the same one is already open; True if a letter was added."""
    services: Services = ctx["services"]
    letters = await services.dead_letters.open(10_000)
    if any(x.job_id == BEDS_JOB_ID and x.message == message[:1000] for x in letters):
        return False
    await services.dead_letters.add(
        BEDS_JOB_ID, SIRS_BEDS, [], upstream=SERVICE, outcome=outcome, code=code,
        message=message, attempts=int(ctx.get("job_try", 1)),
    )
    return True


async def sirs_beds(ctx: dict[str, Any], force: bool = False) -> str:
    """``force`` (a dead-letter replay, ``enqueue``) PUTs every group, changed or not."""
    services: Services = ctx["services"]
    api = _GuardedRsOnline(services)
    store = services.stores.id_tt
    mapping = services.stores.bed_mapping
    sent: str | None = None
    result = "nothing to do"

    async def one_pass(force: bool) -> str:
        nonlocal sent, result
        started = time.time()
        desired = await load_desired(services.khanza, mapping)
        if sent is not None and desired.digest == sent:
            return result  # woken by a change that nets out to what was just sent
        if not desired.groups:
            await _publish(services, desired, None, started=started,
                           message="no bed group is mapped; nothing sent")
            return "no bed group is mapped"
        last = await read_last(services.redis)
        refresh = force or last is None or started - last.refreshed_at >= REFRESH_EVERY
        try:
            summary = await reconcile_beds(
                api, desired.groups, store,
                delete_missing=services.settings.beds_delete_missing, refresh=refresh,
            )
        except RetryableError as exc:
            await _publish(services, desired, None, started=started, message=str(exc))
            raise
        except UpstreamError as exc:
            # The listing itself was refused (credentials, base URL): nothing was sent.
            await write_last(services.redis, LastReconcile(desired.digest, started, 0.0))
            await _publish(services, desired, None, started=started, message=str(exc))
            await _bury(ctx, exc.message, exc.outcome, exc.code)
            return f"refused: {exc.message}"
        refreshed = started if refresh or last is None else last.refreshed_at
        await write_last(services.redis, LastReconcile(desired.digest, started, refreshed))
        problems = summary.errors + desired.invalid
        buried = [p for p in problems if await _bury(ctx, p, Outcome.PERMANENT, None)]
        result = (f"{len(summary.posted)} posted, {len(summary.updated)} updated, "
                  f"{len(summary.unchanged)} unchanged, {len(summary.deleted)} deleted, "
                  f"{len(problems)} refused ({len(buried)} new dead letters), "
                  f"{len(desired.unmapped)} unmapped")
        await _publish(services, desired, summary, started=started, message=result)
        sent = desired.digest
        return result

    return await run_keyed(ctx, SIRS_BEDS, [], BEDS_JOB_ID, one_pass, force=force)
