"""What the last read-back found per booking: the "held" third of the reconcile.

The ledger says what an upstream *answered*; this table says what a read-back
(``antrean/pendaftaran`` + ``antrean/getlisttask``) found it *holds*, per
booking, with the reason when the chain is not complete there. The quality
view reads it, so the hospital sees what BPJS scores before BPJS does. A row
is replaced by each read-back of its booking; ``confirmed_at`` keeps the first
time the whole chain was found held.

States:

* ``confirmed`` every step Khanza wants is held, at Khanza's times;
* ``incomplete`` something is not held yet (``reason`` says what and why);
* ``contradiction`` BPJS holds a different time than Khanza, or a task Khanza
  has no time for; BPJS has no correction, so it is shown, never "fixed";
* ``not_in_khanza`` BPJS holds a booking Khanza does not have for that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from core.state.store import Store

__all__ = ["STATES", "ReadbackRow", "Readbacks", "State"]

State = Literal["confirmed", "incomplete", "contradiction", "not_in_khanza"]
STATES: tuple[State, ...] = ("confirmed", "incomplete", "contradiction", "not_in_khanza")


@dataclass(frozen=True)
class ReadbackRow:
    upstream: str
    kodebooking: str
    tanggal: date
    kodepoli: str | None
    state: str
    reason: str | None
    checked_at: datetime
    confirmed_at: datetime | None
    complete: bool = False


# Upsert the booking's latest read-back; the first confirmation time is kept.
_SET = """
INSERT INTO readback (upstream, kodebooking, tanggal, kodepoli, state, reason, complete,
                      checked_at, confirmed_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, UTC_TIMESTAMP(3),
        IF(%s = 'confirmed', UTC_TIMESTAMP(3), NULL))
ON DUPLICATE KEY UPDATE
    tanggal = VALUES(tanggal), kodepoli = VALUES(kodepoli), state = VALUES(state),
    reason = VALUES(reason), complete = VALUES(complete), checked_at = VALUES(checked_at),
    confirmed_at = IF(VALUES(state) = 'confirmed', COALESCE(confirmed_at, VALUES(checked_at)),
                      NULL)
"""

# One day's read-backs at one upstream, through the (upstream, tanggal) key.
_FOR_DAY = """SELECT upstream, kodebooking, tanggal, kodepoli, state, reason, checked_at,
       confirmed_at, complete
FROM readback WHERE upstream = %s AND tanggal = %s ORDER BY kodebooking"""


class Readbacks(Store):
    async def set(
        self, upstream: str, kodebooking: str, tanggal: date, kodepoli: str | None,
        state: State, reason: str | None = None, *, complete: bool = False,
    ) -> None:
        if state not in STATES:
            raise ValueError(f"unknown read-back state {state!r}")
        await self._execute(_SET, (upstream, kodebooking, tanggal, kodepoli, state,
                                   (reason or "")[:1000] or None, int(complete), state))

    async def for_day(self, upstream: str, tanggal: date) -> dict[str, ReadbackRow]:
        rows = await self._fetchall(_FOR_DAY, (upstream, tanggal))
        return {str(r[1]): ReadbackRow(str(r[0]), str(r[1]), r[2], r[3], str(r[4]), r[5], r[6],
                                       r[7], bool(r[8])) for r in rows}
