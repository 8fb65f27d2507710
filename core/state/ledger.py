"""The sent ledger: what each upstream has acknowledged, per booking and step.

This is the "acknowledged" half of DESIGN.md principle 1: producers compare the
Khanza rows with it, jobs consult it to send only what is missing, in order.
A step is written after every attempt (so staff see attempts and the last
upstream message) but ``done_at`` is set only by a success and never cleared,
so a later duplicate or failure cannot make acknowledged work look unsent.
Times are UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.errors import Outcome
from core.state.store import Store

__all__ = ["HeldStep", "Ledger", "LedgerEntry"]


class HeldStep(Protocol):
    """A step a read-back found upstream (``core.reconcile.Confirmation`` is one)."""

    @property
    def step(self) -> str: ...
    @property
    def taskid(self) -> int | None: ...
    @property
    def waktu(self) -> int | None: ...
    @property
    def wakturs(self) -> str | None: ...


@dataclass(frozen=True)
class LedgerEntry:
    upstream: str
    kodebooking: str
    step: str
    taskid: int | None
    waktu: int | None
    payload_hash: str | None
    outcome: Outcome
    code: str | None
    message: str | None
    attempts: int
    first_try: datetime
    last_try: datetime
    done_at: datetime | None
    wakturs: str | None = None
    confirmed_at: datetime | None = None

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def confirmed(self) -> bool:
        """A read-back found the step held upstream (``wakturs`` is BPJS's receive time)."""
        return self.confirmed_at is not None


# Upsert one attempt. Assignments run left to right in MariaDB, so `outcome`
# and `waktu` are only replaced while the step is not yet done (or by an accepted
# correction, which moves `waktu` to the corrected time), and done_at (last) keeps
# the first success. A correction refused for good stores its digest while `waktu`
# stays the accepted one: that pair says "not again unchanged" (plan.corrections).
_RECORD = """
INSERT INTO ledger (upstream, kodebooking, step, taskid, waktu, payload_hash, outcome, code,
                    message, attempts, first_try, last_try, done_at)
VALUES (%(upstream)s, %(kodebooking)s, %(step)s, %(taskid)s, %(waktu)s, %(payload_hash)s,
        %(outcome)s,
        %(code)s, %(message)s, 1, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3),
        IF(%(succeeded)s, UTC_TIMESTAMP(3), NULL))
ON DUPLICATE KEY UPDATE
    outcome = IF(done_at IS NULL, VALUES(outcome), outcome),
    waktu = IF(done_at IS NULL OR %(corrected)s, VALUES(waktu), waktu),
    payload_hash = IF(done_at IS NULL OR %(corrected)s OR %(refused)s,
                      VALUES(payload_hash), payload_hash),
    code = VALUES(code),
    message = VALUES(message),
    attempts = attempts + 1,
    last_try = VALUES(last_try),
    done_at = COALESCE(done_at, VALUES(done_at))
"""

# All steps of one booking at one upstream, for the job that sends them.
_FOR_BOOKING = (
    "SELECT upstream, kodebooking, step, taskid, waktu, payload_hash, outcome,"
    " code, message, attempts, first_try, last_try, done_at, wakturs, confirmed_at"
    " FROM ledger WHERE upstream = %s AND kodebooking = %s"
)

# Every step of these bookings at one upstream, for a producer cycle (one query per batch).
_FOR_BOOKINGS = (
    "SELECT upstream, kodebooking, step, taskid, waktu, payload_hash, outcome,"
    " code, message, attempts, first_try, last_try, done_at, wakturs, confirmed_at"
    " FROM ledger WHERE upstream = %s AND kodebooking IN ({marks})"
)

# A read-back found these steps held upstream: keep BPJS's receive time and confirm them.
# A step another sender delivered (Khanza's own) has no row yet and gets one, done now.
# Assignments run left to right, so `outcome` is replaced only while not yet done. One
# statement per booking: ``{rows}`` is ``_CONFIRM_ROW`` once per step (placeholders only),
# each row upserted as if alone (a booking's steps are distinct keys).
_CONFIRM = """
INSERT INTO ledger (upstream, kodebooking, step, taskid, waktu, outcome, message, attempts,
                    first_try, last_try, done_at, wakturs, confirmed_at)
VALUES {rows}
ON DUPLICATE KEY UPDATE
    outcome = IF(done_at IS NULL, 'already_done', outcome),
    waktu = IF(done_at IS NULL, VALUES(waktu), waktu),
    done_at = COALESCE(done_at, VALUES(done_at)),
    wakturs = VALUES(wakturs),
    confirmed_at = COALESCE(confirmed_at, VALUES(confirmed_at))
"""
_CONFIRM_ROW = """(%s, %s, %s, %s, %s, 'already_done', 'held upstream (read back)', 0,
                   UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), %s, UTC_TIMESTAMP(3))"""

# Which of these bookings' steps are done, for a producer cycle (one query per batch).
_DONE_FOR = (
    "SELECT kodebooking, step FROM ledger"
    " WHERE upstream = %s AND done_at IS NOT NULL AND kodebooking IN ({marks})"
)


def _entry(row: Sequence[object]) -> LedgerEntry:
    (upstream, kodebooking, step, taskid, waktu, digest, outcome, code, message, attempts,
     first_try, last_try, done_at, wakturs, confirmed_at) = row
    return LedgerEntry(
        upstream=str(upstream), kodebooking=str(kodebooking), step=str(step),
        taskid=None if taskid is None else int(str(taskid)),
        waktu=None if waktu is None else int(str(waktu)),
        payload_hash=None if digest is None else str(digest),
        outcome=Outcome(str(outcome)), code=None if code is None else str(code),
        message=None if message is None else str(message), attempts=int(str(attempts)),
        first_try=first_try, last_try=last_try,  # type: ignore[arg-type]
        done_at=done_at,  # type: ignore[arg-type]
        wakturs=None if wakturs is None else str(wakturs),
        confirmed_at=confirmed_at,  # type: ignore[arg-type]
    )


class Ledger(Store):
    async def record(
        self,
        upstream: str,
        kodebooking: str,
        step: str,
        outcome: Outcome,
        *,
        code: str | None = None,
        message: str | None = None,
        taskid: int | None = None,
        waktu: int | None = None,
        payload_hash: str | None = None,
        correction: bool = False,
    ) -> None:
        """One attempt; ``correction``: a PUT of a new time for an accepted step."""
        params = {
            "upstream": upstream, "kodebooking": kodebooking, "step": step, "taskid": taskid,
            "waktu": waktu, "payload_hash": payload_hash, "outcome": outcome.value, "code": code,
            "message": (message or "")[:1000] or None, "succeeded": outcome.succeeded,
            "corrected": correction and outcome.succeeded,
            "refused": correction and outcome is Outcome.PERMANENT,
        }
        await self._execute(_RECORD, params)

    async def confirm(self, upstream: str, kodebooking: str, held: Iterable[HeldStep]) -> None:
        """Record that a read-back found these steps held upstream (never un-done later).

        One round trip for the booking, not one per step: a read-back confirms every step
        of every booking it reads, and the statements were most of its database time."""
        rows = list(held)
        if not rows:
            return
        params: list[object] = []
        for step in rows:
            params += [upstream, kodebooking, step.step, step.taskid, step.waktu,
                       step.wakturs or None]
        await self._execute(_CONFIRM.format(rows=", ".join([_CONFIRM_ROW] * len(rows))),
                            params)

    async def entries(self, upstream: str, kodebooking: str) -> dict[str, LedgerEntry]:
        rows = await self._fetchall(_FOR_BOOKING, (upstream, kodebooking))
        return {entry.step: entry for entry in map(_entry, rows)}

    async def entries_for(
        self, upstream: str, kodebookings: Iterable[str]
    ) -> dict[str, dict[str, LedgerEntry]]:
        keys = sorted(set(kodebookings))
        found: dict[str, dict[str, LedgerEntry]] = {}
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                # Only placeholders are formatted in; the values travel as parameters.
                await cursor.execute(_FOR_BOOKINGS.format(marks=", ".join(["%s"] * len(chunk))),
                                     (upstream, *chunk))
                for entry in map(_entry, await cursor.fetchall()):
                    found.setdefault(entry.kodebooking, {})[entry.step] = entry
        return found

    async def done_steps(self, upstream: str, kodebookings: Iterable[str]) -> set[tuple[str, str]]:
        keys = sorted(set(kodebookings))
        done: set[tuple[str, str]] = set()
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                # Only placeholders are formatted in; the values travel as parameters.
                query = _DONE_FOR.format(marks=", ".join(["%s"] * len(chunk)))
                await cursor.execute(query, (upstream, *chunk))
                done.update((str(k), str(s)) for k, s in await cursor.fetchall())
        return done
