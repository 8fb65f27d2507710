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
from core.keys import SIRS_REPORT, report_job_id
from core.sirs.models import ReportKind
from worker.jobs.runner import run_keyed
from worker.jobs.send import Sent, guarded
from worker.services import Services

__all__ = ["sirs_report"]


async def sirs_report(ctx: dict[str, Any], kind: str, tanggal: str, force: bool = False) -> str:
    services: Services = ctx["services"]
    day = date.fromisoformat(tanggal)

    async def one_pass(force: bool) -> str:
        report = await services.reports.get(kind, day)
        if report is None:
            return "no such report stored"
        if not report.pending and not force:
            return "upstream already has the newest payload"

        async def call() -> Sent:
            result = await services.sirs.send_daily_report(cast(ReportKind, kind), report.payload)
            return Sent(result.outcome, result.status, result.message)

        try:
            sent = await guarded(services, "sirs", call)
        except UpstreamError as exc:
            permanent = exc.outcome is Outcome.PERMANENT
            await services.reports.mark_failed(
                kind, day, exc.outcome, exc.message,
                refused_hash=report.payload_hash if permanent else None,
            )
            raise
        await services.reports.mark_sent(kind, day, report.payload_hash, sent.outcome,
                                         sent.message)
        return f"{kind} {tanggal} sent ({sent.outcome.value})"

    return await run_keyed(ctx, SIRS_REPORT, [kind, tanggal], report_job_id(kind, tanggal),
                           one_pass, force=force)
