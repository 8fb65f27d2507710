"""Loop health and supervision: one loop failing neither stops nor hides behind the others."""

from __future__ import annotations

import asyncio

import pytest

from core.health import Loops, Unhealthy, supervise


async def test_a_loop_that_raises_is_restarted_while_the_other_keeps_running() -> None:
    loops = Loops()
    loops.watch("khanza cycle", stale_after=60)
    loops.watch("inbox", stale_after=60)
    stop = asyncio.Event()
    starts = 0
    cycles = 0

    async def broken() -> None:
        nonlocal starts
        starts += 1
        raise RecursionError("poison entry")

    async def steady() -> None:
        nonlocal cycles
        while not stop.is_set():
            cycles += 1
            loops.ok("khanza cycle")
            await asyncio.sleep(0.05)

    async with asyncio.timeout(10):
        tasks = [asyncio.create_task(supervise("inbox", broken, stop, loops)),
                 asyncio.create_task(supervise("khanza cycle", steady, stop, loops))]
        await asyncio.sleep(1.6)  # restarts after 1 s: at least two starts
        stop.set()
        await asyncio.gather(*tasks)
    assert starts >= 2
    assert cycles > 10
    assert loops.problems() == []  # failing, but not for longer than 60 s yet
    assert "inbox failing" in loops.status() and "khanza cycle ok" in loops.status()


async def test_a_loop_without_a_good_iteration_past_its_bound_is_named() -> None:
    loops = Loops()
    loops.watch("inbox", stale_after=0.1)
    loops.failed("inbox", "NOGROUP No such key")
    await asyncio.sleep(0.2)
    [problem] = loops.problems()
    assert problem.startswith("inbox has not worked for")
    assert problem.endswith("NOGROUP No such key")
    with pytest.raises(Unhealthy, match="inbox has not worked"):
        await loops.check()
    loops.ok("inbox")
    assert loops.problems() == []
