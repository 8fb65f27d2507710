"""``simrs-bridge reconcile --date D``: read back what BPJS holds for a day, now.

Runs the same read-back as the scheduled ``bpjs_reconcile`` job, in this
process, and prints what it found: bookings confirmed, steps re-sent (with
Khanza's own times), contradictions it will not change, and the calls made
per booking. It stays behind live sends the same way the job does.
``--enqueue`` hands it to the worker instead. Exit code 0 when nothing
contradicts, 1 when contradictions or unfinished bookings remain, 2 for bad
input.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import date

from app.commands.base import CommandError, Subparsers
from core.keys import BPJS_RECONCILE, reconcile_job_id
from core.queue import open_queue
from core.settings import load_settings
from worker.jobs.reconcile import ReconcileReport, reconcile_day
from worker.services import open_services

__all__ = ["print_report", "register"]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date {text!r} is not yyyy-mm-dd") from None


def print_report(report: ReconcileReport) -> None:
    print(report.summary())
    for kode, steps in sorted(report.resent.items()):
        print(f"  re-sent   {kode}: {', '.join(steps)}")
    for kode, reason in sorted(report.contradictions.items()):
        print(f"  CONTRADICTION {kode}: {reason}")
    for kode, reason in sorted(report.not_in_khanza.items()):
        print(f"  CONTRADICTION {kode}: {reason}")
    for kode, reason in sorted(report.incomplete.items()):
        print(f"  incomplete {kode}: {reason}")
    print(f"  calls: pendaftaran {report.pendaftaran_calls}; per booking:")
    for kode, calls in sorted(report.calls.items()):
        shown = ", ".join(f"{kind} {n}" for kind, n in sorted(calls.items()))
        print(f"    {kode}: {shown}")


async def _handle(args: argparse.Namespace) -> int:
    day = _day(args.date)
    settings = load_settings()
    if args.enqueue:
        queue = await open_queue(settings.redis_url)
        try:
            job = await queue.enqueue_job(BPJS_RECONCILE, day.isoformat(),
                                          _job_id=reconcile_job_id(day))
        finally:
            await queue.aclose()
        print(f"{reconcile_job_id(day)}: {'queued' if job else 'already queued or running'}")
        return 0
    services = await open_services(settings)
    try:
        report = await reconcile_day(services, day)
    finally:
        await services.close()
    if args.json:
        print(json.dumps(asdict(report), indent=2, ensure_ascii=False))
    else:
        print_report(report)
    unresolved = report.contradictions or report.not_in_khanza or report.stopped
    return 1 if unresolved or report.incomplete else 0


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "reconcile", help="read back what BPJS holds for a day and send what it lacks",
        description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="service date")
    parser.add_argument("--upstream", choices=("bpjs",), default="bpjs",
                        help="only BPJS has read-back endpoints")
    parser.add_argument("--enqueue", action="store_true",
                        help="queue the job for the worker instead of running it here")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(handler=_handle)
