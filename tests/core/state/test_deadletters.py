"""Dead letters keep the upstream's message and can be claimed for replay exactly once."""

from __future__ import annotations

import asyncio

import aiomysql

from core.errors import Outcome
from core.state.deadletters import DeadLetters


async def test_add_list_and_replay_once(state_pool: aiomysql.Pool) -> None:
    letters = DeadLetters(state_pool)
    letter_id = await letters.add(
        "bpjs:booking:KB1", "bpjs_booking", ["KB1"], upstream="bpjs",
        outcome=Outcome.PERMANENT, code="201", message="Rujukan tidak valid", attempts=1,
    )
    [shown] = await letters.open()
    assert (shown.id, shown.args, shown.message) == (letter_id, ["KB1"], "Rujukan tidak valid")
    assert await letters.count_open() == 1

    claims = await asyncio.gather(*(letters.claim_replay(letter_id) for _ in range(5)))
    assert claims.count(True) == 1
    assert await letters.open() == []
    replayed = await letters.get(letter_id)
    assert replayed is not None and replayed.replayed_at is not None
