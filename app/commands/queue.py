"""``simrs-bridge enqueue`` and ``simrs-bridge dead-letters``: hand work to the queue.

Both put the same deterministic job ids on the queue as the producer does, so
an operator's enqueue coalesces with the producer's instead of doubling the
work, and a replayed dead letter runs with ``force`` (a permanently refused
payload is sent again even though it did not change).
"""

from __future__ import annotations

import argparse
from datetime import date
from zoneinfo import ZoneInfo

import aiomysql

from app.commands.base import CommandError, Subparsers
from app.replay import replay, unchanged_refusal
from core import db
from core.keys import (
    BEDS_JOB_ID,
    BPJS_BOOKING,
    SIRS_ANTRIAN,
    SIRS_BEDS,
    SIRS_REPORT,
    booking_job_id,
    report_job_id,
)
from core.khanza.bookings import load_booking
from core.khanza.options import khanza_options
from core.queue import enqueue, open_queue
from core.settings import ENV_PREFIX, Settings, load_settings
from core.state.deadletters import DeadLetter, DeadLetters
from core.state.reports import DailyReports
from core.timefmt import human

__all__ = ["register"]


async def _refuse_what_cannot_run(settings: Settings, args: argparse.Namespace) -> None:
    """A job for a booking Khanza does not have, or a report nothing stored, would be queued
    and then do nothing visible: refuse it here with the reason instead."""
    if args.what == "booking":
        pool = await db.create_pool(settings.khanza_db_url, setting=f"{ENV_PREFIX}KHANZA_DB_URL",
                                    maxsize=1)
        try:
            async with pool.acquire() as connection:
                found = await load_booking(connection, args.key, khanza_options(settings))
        finally:
            pool.close()
            await pool.wait_closed()
        if found is None:
            raise CommandError(
                f"kodebooking {args.key!r}: no such visit in Khanza (a Mobile JKN nobooking, "
                "or an on-site no_rawat like 2025/01/15/000001); nothing queued")
    elif args.what == "report":
        pool = await db.create_pool(settings.state_db_url, setting=f"{ENV_PREFIX}STATE_DB_URL",
                                    maxsize=1)
        try:
            stored = await DailyReports(pool).get(args.key, date.fromisoformat(args.tanggal))
        finally:
            pool.close()
            await pool.wait_closed()
        if stored is None:
            raise CommandError(
                f"no {args.key} report stored for {args.tanggal}: the SIMRS pushes it into the "
                f"inbox (docs/inbox.md), or send it with `simrs-bridge sirs report {args.key} "
                "--file F`; nothing queued")


async def _enqueue(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.what == "report":
        try:
            date.fromisoformat(args.tanggal)
        except ValueError:
            raise CommandError(f"tanggal {args.tanggal!r} is not yyyy-mm-dd") from None
    await _refuse_what_cannot_run(settings, args)
    queue = await open_queue(settings.redis_url)
    try:
        jobs: list[tuple[str, list[str], str]] = []
        if args.what == "booking":
            functions = {"bpjs": [BPJS_BOOKING], "sirs": [SIRS_ANTRIAN],
                         "both": [BPJS_BOOKING, SIRS_ANTRIAN]}[args.upstream]
            jobs = [(f, [args.key], booking_job_id(f, args.key)) for f in functions]
        elif args.what == "beds":
            jobs = [(SIRS_BEDS, [], BEDS_JOB_ID)]
        else:
            try:
                tanggal = date.fromisoformat(args.tanggal).isoformat()
            except ValueError:
                raise CommandError(f"tanggal {args.tanggal!r} is not yyyy-mm-dd") from None
            jobs = [(SIRS_REPORT, [args.key, tanggal], report_job_id(args.key, tanggal))]
        for function, job_args, job_id in jobs:
            queued = await enqueue(queue, function, *job_args, job_id=job_id, force=args.force)
            print(f"{job_id}: {'queued' if queued else 'already queued or running'}")
    finally:
        await queue.aclose()
    return 0


def _describe(letter: DeadLetter, zone: ZoneInfo) -> str:
    """One line; times in the hospital's zone with the offset (the table holds UTC)."""
    when = human(letter.failed_at, zone)
    state = f" replayed {human(letter.replayed_at, zone)}" if letter.replayed_at else ""
    code = f" {letter.code}" if letter.code else ""
    visit = letter.visit or {}
    where = " ".join(f"{k}={v}" for k, v in visit.items() if v)
    return (f"{letter.id:>6}  {when}  {letter.job_id}  [{letter.outcome}{code}] "
            f"{letter.message}{state}"
            + (f"\n        visit: {where}" if where else "")
            + f"\n        what to do: {letter.hint}")


async def _dead_letters(args: argparse.Namespace) -> int:
    settings = load_settings()
    pool = await db.create_pool(settings.state_db_url, setting=f"{ENV_PREFIX}STATE_DB_URL")
    try:
        letters = DeadLetters(pool)
        if args.action == "list":
            shown = await letters.open(args.limit)
            for item in shown:
                print(_describe(item, settings.zone))
            print(f"{len(shown)} open dead letter(s)")
            return 0
        if not args.all and args.id is None:
            raise CommandError("replay needs a dead-letter ID or --all")
        targets: list[DeadLetter | None] = (
            list(await letters.open(10_000)) if args.all else [await letters.get(args.id)]
        )
        queue = await open_queue(settings.redis_url)
        khanza = await db.create_pool(settings.khanza_db_url,
                                      setting=f"{ENV_PREFIX}KHANZA_DB_URL")
        try:
            replayed = 0
            for letter in targets:
                if letter is None:
                    raise CommandError(f"no dead letter {args.id}")
                if not args.force and await _unchanged(khanza, settings, letter):
                    print(f"{letter.id}: not replayed: the payload is unchanged since it was "
                          f"refused ({letter.message}); {letter.hint}. "
                          "Use --force to send it unchanged anyway")
                    continue
                if not (await replay(letters, queue, letter)).claimed:
                    print(f"{letter.id}: already replayed")
                    continue
                replayed += 1
                print(f"{letter.id}: {letter.job_id} queued again")
        finally:
            await queue.aclose()
            khanza.close()
            await khanza.wait_closed()
        return 0 if replayed or args.all else 1
    finally:
        pool.close()
        await pool.wait_closed()


async def _unchanged(khanza: aiomysql.Pool, settings: Settings, letter: DeadLetter) -> bool:
    async with khanza.acquire() as connection:
        return await unchanged_refusal(connection, khanza_options(settings), letter)


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("enqueue", help="queue a job by hand",
                            description="Queue the same job the producer would queue.")
    what = parser.add_subparsers(dest="what", required=True, metavar="WHAT")
    booking = what.add_parser("booking", help="a visit's BPJS and/or RS Online job")
    booking.add_argument("key", metavar="KODEBOOKING")
    booking.add_argument("--upstream", choices=("bpjs", "sirs", "both"), default="both")
    report = what.add_parser("report", help="a date-keyed RS Online report")
    report.add_argument("key", metavar="KIND", choices=("oksigen", "pcr_nakes",
                                                        "nakes_terinfeksi"))
    report.add_argument("tanggal", metavar="TANGGAL")
    beds = what.add_parser("beds", help="reconcile RS Online's bed groups now")
    for each in (booking, report, beds):
        each.add_argument("--force", action="store_true",
                          help="send even a payload the upstream refused for good before")
        each.set_defaults(handler=_enqueue)

    letters = sub.add_parser("dead-letters", help="list or replay work that failed for good")
    action = letters.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = action.add_parser("list", help="open dead letters, newest first")
    listing.add_argument("--limit", type=int, default=100, metavar="N",
                         help="show at most N, newest first (default: 100); the count "
                         "printed last is of those shown")
    replay = action.add_parser("replay", help="queue a dead letter's job again")
    replay.add_argument("id", nargs="?", type=int, metavar="ID")
    replay.add_argument("--all", action="store_true", help="replay every open dead letter")
    replay.add_argument("--force", action="store_true",
                        help="replay even a payload refused for a data error and unchanged since")
    for each in (listing, replay):
        each.set_defaults(handler=_dead_letters)
