"""The producer cycle's bed step: ask for a reconcile when the wanted groups changed.

What the hospital wants RS Online to show is computed in ``core.beds`` (the
worker's reconcile reads it the same way); this step only decides *when* to
queue ``sirs:beds``: the groups differ from the ones last reconciled, or that
reconcile is older than ``RECONCILE_EVERY``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import aiomysql
from arq.connections import ArqRedis

from core.beds import RECONCILE_EVERY, load_desired, read_last
from core.keys import BEDS_JOB_ID, SIRS_BEDS
from core.queue import enqueue
from core.state.beds import BedMappingStore

__all__ = ["BedsProducer"]


class BedsProducer:
    """The producer cycle's bed step: enqueue ``sirs:beds`` when a reconcile is due."""

    def __init__(
        self, *, khanza: aiomysql.Pool, mapping: BedMappingStore, queue: ArqRedis,
        every: float = RECONCILE_EVERY, clock: Callable[[], float] = time.time,
    ) -> None:
        self.khanza = khanza
        self.mapping = mapping
        self.queue = queue
        self.every = every
        self.clock = clock

    async def cycle(self) -> bool | None:
        """None when nothing is due (or no group is mapped); else whether a job was queued
        now (False: one is queued or running already and will pass again)."""
        desired = await load_desired(self.khanza, self.mapping)
        if not desired.groups:
            return None
        last = await read_last(self.queue)
        if last is not None and not last.due(desired.digest, self.clock(), self.every):
            return None
        return await enqueue(self.queue, SIRS_BEDS, job_id=BEDS_JOB_ID)
