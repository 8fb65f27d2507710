"""The ledger keeps the first success and counts every attempt."""

from __future__ import annotations

import aiomysql

from core.errors import Outcome
from core.state.ledger import Ledger


async def test_attempts_then_success_then_duplicate(state_pool: aiomysql.Pool) -> None:
    ledger = Ledger(state_pool)
    await ledger.record("bpjs", "KB1", "task4", Outcome.RETRY, message="HTTP 503", taskid=4,
                        waktu=1736904600000)
    entry = (await ledger.entries("bpjs", "KB1"))["task4"]
    assert (entry.done, entry.attempts, entry.outcome) == (False, 1, Outcome.RETRY)

    await ledger.record("bpjs", "KB1", "task4", Outcome.DONE, code="200", message="Ok",
                        taskid=4, waktu=1736904600000)
    await ledger.record("bpjs", "KB1", "task4", Outcome.RETRY, message="HTTP 502",
                        taskid=4, waktu=1736904999999)
    entry = (await ledger.entries("bpjs", "KB1"))["task4"]
    assert entry.done
    assert entry.attempts == 3
    assert entry.outcome is Outcome.DONE
    assert entry.waktu == 1736904600000
    assert entry.message == "HTTP 502"
    assert entry.first_try <= entry.last_try


async def test_done_steps_for_many_bookings(state_pool: aiomysql.Pool) -> None:
    ledger = Ledger(state_pool)
    for number in range(1200):
        outcome = Outcome.DONE if number % 3 else Outcome.PERMANENT
        await ledger.record("bpjs", f"KB{number:04d}", "add", outcome)
    await ledger.record("sirs", "KB0001", "antrian", Outcome.ALREADY_DONE)
    done = await ledger.done_steps("bpjs", [f"KB{n:04d}" for n in range(1200)])
    assert len(done) == 800
    assert ("KB0001", "add") in done
    assert ("KB0003", "add") not in done
    assert await ledger.done_steps("sirs", ["KB0001"]) == {("KB0001", "antrian")}


async def test_entries_for_many_bookings_in_batches(state_pool: aiomysql.Pool) -> None:
    ledger = Ledger(state_pool)
    for number in range(600):
        await ledger.record("sirs", f"KB{number:04d}", "add", Outcome.DONE, payload_hash="abc")
    await ledger.record("sirs", "KB0007", "task3", Outcome.PERMANENT, message="bad time")
    found = await ledger.entries_for("sirs", [f"KB{n:04d}" for n in range(600)] + ["absent"])
    assert len(found) == 600
    assert set(found["KB0007"]) == {"add", "task3"}
    assert found["KB0007"]["task3"].outcome is Outcome.PERMANENT
    assert found["KB0599"]["add"].payload_hash == "abc"
