"""``simrs-bridge worker`` and ``simrs-bridge producer``: the two long-running processes.

Both log structured lines to stdout (journald under systemd), validate their
settings and wait for Redis and the databases (``core.startup``; the exit codes
are ``core.exitcodes``), apply the state migrations at start, and stop cleanly
on SIGTERM: the worker finishes or re-queues its running jobs (worker/main.py),
the producer ends its cycle.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from datetime import date

import redis.asyncio as aioredis

from app.commands.base import Subparsers
from app.commands.check import warn_unreachable_upstreams
from core import db, systemd
from core.health import Loops, supervise
from core.heartbeat import beat_forever
from core.logging import setup_logging
from core.settings import ENV_PREFIX, Settings, load_settings
from core.startup import prepare
from core.state.migrate import migrate
from producers.changes import ChangeFeed, publish_poll_status
from producers.inbox import Inbox, InboxStores
from producers.inbox.reader import LOOP as INBOX_LOOP
from producers.loop import LOOP as PRODUCER_LOOP
from producers.loop import open_producer
from worker.main import build_worker

__all__ = ["register"]

logger = logging.getLogger(__name__)


async def start(role: str) -> Settings:
    """Settings, logging in the hospital's zone, validation, and the services answering."""
    settings = load_settings()
    setup_logging(settings.log_level, settings.secrets(), settings.zone)
    await prepare(settings, role)
    return settings


async def _worker(args: argparse.Namespace) -> int:
    settings = await start("worker")
    # Not a reason to refuse to start (jobs wait behind the breaker), but said at once.
    probe = asyncio.create_task(warn_unreachable_upstreams(settings), name="upstream-probe")
    redis = aioredis.Redis.from_url(settings.redis_url, socket_timeout=5)
    beating = asyncio.Event()
    heart = asyncio.create_task(beat_forever(redis, "worker", beating), name="heartbeat")
    try:
        return await systemd.run_worker(build_worker(settings, burst=args.burst))
    finally:
        probe.cancel()
        beating.set()
        await heart
        await redis.aclose()


async def _producer(args: argparse.Namespace) -> int:
    settings = await start("producer")
    async with open_producer(settings) as producer:
        if args.once or args.day:
            report = await producer.cycle(today=args.day)
            print(f"{report.visits} visits; enqueued {report.enqueued or 'nothing'}; "
                  f"{report.coalesced} already queued; {len(report.waiting)} waiting")
            return 0
        nudges = asyncio.Event()
        loops = Loops()
        # A loop that has not completed a good iteration for this long makes the watchdog
        # stop pinging (systemd restarts us); a Redis ping alone hid a stuck reader.
        stale = max(120.0, 4 * settings.producer_interval)
        loops.watch(PRODUCER_LOOP, stale)
        loops.watch(INBOX_LOOP, stale)
        life = systemd.Lifecycle("producer", health=loops.check, status=loops.status)
        life.install_signals()
        stop = life.stop
        inbox = Inbox(producer.queue, InboxStores.on(producer.stores.pool), producer.queue,
                      nudges)
        feed = None
        interval = settings.producer_interval
        if settings.changes == "binlog":
            interval = settings.changes_safety_interval
            feed = ChangeFeed(url=settings.khanza_db_url, server_id=settings.binlog_server_id,
                              positions=producer.stores.binlog, redis=producer.queue,
                              nudge=nudges, safety_interval=interval)
        else:
            await publish_poll_status(producer.queue, interval)
        logger.info("changes from %s; cycles every %.1f s", settings.changes, interval)
        # Side by side and isolated: whatever one loop raises, the other keeps running.
        async with asyncio.TaskGroup() as group:
            group.create_task(supervise(PRODUCER_LOOP, lambda: producer.run(
                interval, nudges, stop, loops, feed), stop, loops))
            group.create_task(supervise(INBOX_LOOP, lambda: inbox.run(stop, health=loops),
                                        stop, loops))
            group.create_task(beat_forever(producer.queue, "producer", stop))
            if feed is not None:
                group.create_task(feed.run(stop))
            life.ready()
        await life.close()
        logger.info("producer stopped")
        return life.exit_code


async def _migrate(args: argparse.Namespace) -> int:
    del args
    settings = load_settings()
    connection = await db.connect(settings.state_db_url, setting=f"{ENV_PREFIX}STATE_DB_URL")
    try:
        applied = await migrate(connection)
    finally:
        connection.close()
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    if not applied:
        print("state database is up to date")
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-01-15") from None


def register(sub: Subparsers) -> None:
    worker = sub.add_parser("worker", help="run the sending worker (arq)",
                            description="Take jobs from Redis and send them upstream.")
    worker.add_argument("--burst", action="store_true",
                        help="exit once the queue is empty (for scripts and tests)")
    worker.set_defaults(handler=_worker)
    producer = sub.add_parser("producer", help="run the Khanza producer loop",
                              description="Find what Khanza wants sent and enqueue it.")
    producer.add_argument("--once", action="store_true", help="run one cycle and exit")
    producer.add_argument("--day", type=_day, metavar="YYYY-MM-DD",
                          help="run one cycle as if today were this day (resend a past day)")
    producer.set_defaults(handler=_producer)
    migrate_parser = sub.add_parser(
        "migrate", help="create or upgrade the state database",
        description=f"Create or upgrade simrs-bridge's own tables in {ENV_PREFIX}STATE_DB_URL "
        "and print each migration applied. Every daemon does this at start too; run it by "
        "hand after an upgrade to see what changed, or to prepare the database before the "
        "first start. Safe to repeat; refuses a database newer than this release.")
    migrate_parser.set_defaults(handler=_migrate)
