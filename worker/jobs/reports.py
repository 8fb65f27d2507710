"""``sirs_report``: send the newest payload of one date-keyed report.

The job carries (kind, tanggal) only and reads the newest stored payload when
it runs, so ten corrections of the same day in a minute become one upstream
upsert with the final values. It marks exactly the payload it sent, so a
correction that arrived during the call stays pending for the next job.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from core.errors import Outcome, UpstreamError
from core.keys import SIRS_REPORT, dirty_key, report_job_id
from core.observe import current_job_id
from core.sirs.models import ReportKind
from worker.jobs.policy import retry_or_bury
from worker.jobs.send import Sent, guarded
from worker.services import Services

__all__ = ["sirs_report"]


async def sirs_report(ctx: dict[str, Any], kind: str, tanggal: str, force: bool = False) -> str:
    services: Services = ctx["services"]
    job_id = report_job_id(kind, tanggal)
    token = current_job_id.set(job_id)
    try:
        day = date.fromisoformat(tanggal)
        while True:
            await services.redis.delete(dirty_key(job_id))
            report = await services.reports.get(kind, day)
            if report is None:
                return "no such report stored"
            if not report.pending and not force:
                return "upstream already has the newest payload"

            async def call(payload: dict[str, Any] = report.payload) -> Sent:
                result = await services.sirs.send_daily_report(cast(ReportKind, kind), payload)
                return Sent(result.outcome, result.status, result.message)

            try:
                sent = await guarded(services, "sirs", call)
            except UpstreamError as exc:
                permanent = exc.outcome is Outcome.PERMANENT
                await services.reports.mark_failed(
                    kind, day, exc.outcome, exc.message,
                    refused_hash=report.payload_hash if permanent else None,
                )
                if not permanent:
                    return await retry_or_bury(ctx, exc, SIRS_REPORT, [kind, tanggal])
                letter = await services.dead_letters.add(
                    job_id, SIRS_REPORT, [kind, tanggal], upstream="sirs", outcome=exc.outcome,
                    code=exc.code, message=exc.message, attempts=int(ctx.get("job_try", 1)),
                )
                return f"dead letter {letter}"
            await services.reports.mark_sent(kind, day, report.payload_hash, sent.outcome,
                                             sent.message)
            force = False
            if not await services.redis.exists(dirty_key(job_id)):
                return f"{kind} {tanggal} sent ({sent.outcome.value})"
    finally:
        current_job_id.reset(token)
