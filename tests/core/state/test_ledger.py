"""The ledger keeps the first success and counts every attempt."""

from __future__ import annotations

import aiomysql

from core.errors import Outcome
from core.reconcile import Confirmation
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


async def test_confirm_many_steps_in_one_call(state_pool: aiomysql.Pool) -> None:
    """A read-back confirms a booking's steps together: a step still failing becomes done
    with the held time, a done one keeps its first success and time, an unknown one (sent
    by Khanza's own sender) gets a row, and BPJS's receive time is kept on each."""
    ledger = Ledger(state_pool)
    await ledger.record("bpjs", "KB9", "add", Outcome.DONE, code="200")
    await ledger.record("bpjs", "KB9", "task3", Outcome.RETRY, message="HTTP 503", taskid=3,
                        waktu=1736904600000)
    await ledger.record("bpjs", "KB9", "task4", Outcome.DONE, taskid=4, waktu=1736905000000)
    await ledger.record("bpjs", "KB8", "task3", Outcome.RETRY, taskid=3, waktu=1)
    before = await ledger.entries("bpjs", "KB9")
    held = [
        Confirmation("add", None, None, None),
        Confirmation("task3", 3, 1736904600000, "15-01-2025 08:30:05 WIB"),
        Confirmation("task4", 4, 1736909999999, "15-01-2025 08:36:45 WIB"),
        Confirmation("task5", 5, 1736906000000, ""),
    ]
    await ledger.confirm("bpjs", "KB9", held)
    await ledger.confirm("bpjs", "KB9", [])  # nothing held: nothing written

    after = await ledger.entries("bpjs", "KB9")
    assert set(after) == {"add", "task3", "task4", "task5"}
    assert all(entry.confirmed and entry.done for entry in after.values())
    assert after["task3"].outcome is Outcome.ALREADY_DONE
    assert (after["task3"].waktu, after["task3"].wakturs) == (1736904600000,
                                                              "15-01-2025 08:30:05 WIB")
    assert after["task4"].outcome is Outcome.DONE  # the first success stays
    assert after["task4"].waktu == 1736905000000
    assert after["task4"].done_at == before["task4"].done_at
    assert after["task4"].wakturs == "15-01-2025 08:36:45 WIB"
    assert after["task5"].wakturs is None and after["task5"].attempts == 0
    assert after["add"].attempts == 1
    other = (await ledger.entries("bpjs", "KB8"))["task3"]  # another booking: untouched
    assert not other.done and not other.confirmed
