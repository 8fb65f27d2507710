"""Replaying a dead letter: one function for the CLI and the dashboard.

A replay claims the letter first (an UPDATE that only one caller wins, so two
operators pressing "replay" at once queue it once), then queues the letter's
own job id with ``force=True``: the job re-reads the newest Khanza data and
sends even a payload the upstream refused before (the operator fixed the data,
or the upstream fixed its side). The id is the producer's, so a replay
coalesces with a producer enqueue instead of doubling the work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiomysql
from arq.connections import ArqRedis

from core.keys import BPJS_BOOKING, SIRS_ANTRIAN
from core.khanza.bookings import load_booking
from core.khanza.options import KhanzaOptions
from core.plan import plan_bpjs, plan_sirs
from core.queue import enqueue
from core.state.deadletters import DeadLetter, DeadLetters

__all__ = ["Replayed", "checkable", "replay", "unchanged_refusal"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Replayed:
    letter: DeadLetter
    claimed: bool  # False: someone replayed it already (nothing queued now)
    queued: bool  # False: the job was queued or running already (marked dirty instead)


async def replay(letters: DeadLetters, queue: ArqRedis, letter: DeadLetter) -> Replayed:
    if not await letters.claim_replay(letter.id):
        return Replayed(letter, claimed=False, queued=False)
    queued = await enqueue(queue, letter.function, *letter.args, job_id=letter.job_id, force=True)
    logger.info("dead letter %d: %s queued again", letter.id, letter.job_id)
    return Replayed(letter, claimed=True, queued=queued)


def checkable(letter: DeadLetter) -> bool:
    """Whether a replay must first check that Khanza changed the refused payload."""
    return bool(letter.data_error and letter.step and letter.payload_hash)


async def unchanged_refusal(
    khanza: aiomysql.Connection, options: KhanzaOptions, letter: DeadLetter
) -> bool:
    """True when the letter was refused for a data error and Khanza still yields the very
    payload that was refused: replaying it would only be refused again (``--force``)."""
    if not checkable(letter) or letter.step is None:
        return False
    planner = {BPJS_BOOKING: plan_bpjs, SIRS_ANTRIAN: plan_sirs}.get(letter.function)
    if planner is None or not letter.args:
        return False
    snapshot = await load_booking(khanza, str(letter.args[0]), options)
    if snapshot is None:
        return False
    configured = frozenset(t for t, _ in options.task_sources.pairs)
    step = planner(snapshot, options.zone, configured).step(letter.step)
    return step is not None and step.digest == letter.payload_hash
