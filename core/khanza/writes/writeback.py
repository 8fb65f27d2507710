"""Optional write-back into Khanza's own tables (``SIMRS_BRIDGE_KHANZA_WRITEBACK``).

Hospitals keep using Khanza's screens, which show a booking as sent from
``referensi_mobilejkn_bpjs.statuskirim`` and a task from
``referensi_mobilejkn_bpjs_taskid``. With write-back on, those two are updated
only after BPJS accepted the step (Khanza's own sender writes them before
sending, which is how work gets lost). The Khanza account then needs exactly
``UPDATE (statuskirim) ON referensi_mobilejkn_bpjs`` and
``INSERT ON referensi_mobilejkn_bpjs_taskid`` besides ``SELECT`` (README).
"""

from __future__ import annotations

import aiomysql

from core.khanza.snapshot import BookingSnapshot
from core.plan import Step

__all__ = ["MARK_BOOKING_SENT", "RECORD_TASK_SENT", "write_back"]

# A Mobile JKN booking accepted by antrean/add.
MARK_BOOKING_SENT = (
    "UPDATE referensi_mobilejkn_bpjs SET statuskirim = 'Sudah'"
    " WHERE nobooking = %s AND statuskirim <> 'Sudah'"
)

# A task accepted by antrean/updatewaktu; a row Khanza already has is kept as it is.
RECORD_TASK_SENT = (
    "INSERT IGNORE INTO referensi_mobilejkn_bpjs_taskid (no_rawat, taskid, waktu)"
    " VALUES (%s, %s, %s)"
)


async def write_back(khanza: aiomysql.Pool, snapshot: BookingSnapshot, step: Step) -> None:
    """Mark one accepted step in Khanza's own tables; other steps write nothing."""
    params: tuple[object, ...]
    if step.name == "add" and snapshot.source == "mobile_jkn":
        query, params = MARK_BOOKING_SENT, (snapshot.kodebooking,)
    elif step.kind == "task" and step.taskid is not None:
        if step.taskid == 99:
            waktu = snapshot.batal.waktu if snapshot.batal else None
        else:
            waktu = snapshot.tasks.get(step.taskid)
        query, params = RECORD_TASK_SENT, (snapshot.no_rawat, str(step.taskid), waktu)
    else:
        return
    async with khanza.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute(query, params)
