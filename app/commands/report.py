"""``simrs-bridge report quality --date D``: what BPJS scores, per poli, from the read-back.

Per poli: visits, visits whose whole task chain a read-back found held at
BPJS, the share, and every incomplete visit with its reason. Run
``simrs-bridge reconcile --date D`` first for fresh figures; the time of the
last read-back is printed.
"""

from __future__ import annotations

import argparse
import json
from datetime import date

from app.commands.base import CommandError, Subparsers
from core import db
from core.quality import summarize
from core.settings import ENV_PREFIX, load_settings
from core.state.readback import Readbacks

__all__ = ["register"]


async def _quality(args: argparse.Namespace) -> int:
    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        raise CommandError(f"--date {args.date!r} is not yyyy-mm-dd") from None
    settings = load_settings()
    pool = await db.create_pool(settings.state_db_url, setting=f"{ENV_PREFIX}STATE_DB_URL")
    try:
        quality = summarize(day, (await Readbacks(pool).for_day("bpjs", day)).values())
    finally:
        pool.close()
        await pool.wait_closed()
    if args.json:
        print(json.dumps(quality.as_dict(), indent=2, ensure_ascii=False))
        return 0
    if not quality.polis and not quality.not_in_khanza:
        print(f"{day}: no read-back yet (run: simrs-bridge reconcile --date {day})")
        return 0
    print(f"{day}: {quality.complete}/{quality.visits} visits complete at BPJS "
          f"(last read back {quality.last_checked})")
    for poli in quality.polis:
        print(f"  {poli.kodepoli:<16} {poli.complete:>4}/{poli.visits:<4} {poli.share:6.1%}")
        for kode, reason in poli.incomplete:
            print(f"      {kode}: {reason}")
    for kode, reason in quality.not_in_khanza:
        print(f"  not in Khanza: {kode}: {reason}")
    return 0


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("report", help="reports for hospital staff (quality)",
                            description=__doc__.split("\n\n")[0] if __doc__ else None)
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    quality = kinds.add_parser("quality", help="per poli: the share of complete task chains")
    quality.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    quality.add_argument("--json", action="store_true", help="print JSON")
    quality.set_defaults(handler=_quality)
