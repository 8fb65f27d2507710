"""The producer loop's timing: a nudge is never lost, and cycles keep their cadence."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from producers.loop import CycleReport, Producer


class ScriptedProducer(Producer):
    """A producer whose cycles only record when they start (no Khanza, no Redis)."""

    def __init__(self, nudges: asyncio.Event, nudge_during: int | None = None) -> None:
        self.starts: list[float] = []
        self.nudges = nudges
        self.nudge_during = nudge_during

    async def cycle(self, today: Any = None) -> CycleReport:
        self.starts.append(time.monotonic())
        if len(self.starts) == self.nudge_during:
            await asyncio.sleep(0.05)
            self.nudges.set()  # a booking_changed arriving while this cycle reads Khanza
            await asyncio.sleep(0.05)
        return CycleReport(started=time.time())


async def run_until(producer: ScriptedProducer, cycles: int, interval: float,
                    nudges: asyncio.Event) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(producer.run(interval, nudges, stop))
    async with asyncio.timeout(30):
        while len(producer.starts) < cycles:
            await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_a_nudge_during_a_cycle_starts_the_next_one_at_once() -> None:
    nudges = asyncio.Event()
    producer = ScriptedProducer(nudges, nudge_during=1)
    await run_until(producer, 2, interval=10.0, nudges=nudges)
    # Without the nudge the second cycle would start 10 s later.
    assert producer.starts[1] - producer.starts[0] < 1.0


async def test_cycles_start_one_interval_apart_whatever_they_take() -> None:
    nudges = asyncio.Event()
    producer = ScriptedProducer(nudges)
    await run_until(producer, 3, interval=0.3, nudges=nudges)
    gaps = [b - a for a, b in zip(producer.starts, producer.starts[1:], strict=False)]
    assert all(0.25 <= gap < 0.6 for gap in gaps), gaps
