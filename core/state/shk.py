"""Desired SHK (newborn screening) patients and results, and RS Online's ids for them.

RS Online identifies an SHK patient by the ``id_shk`` it returns from the
first POST and a result by its ``id_hasil``; every later correction is a PUT
with that id, so losing an id means a duplicate upstream. The ids are kept
here beside the newest payload. ``posting_since`` marks a POST whose answer
may have been lost (the process died, the connection reset after the server
stored it): the job then looks the record up before POSTing again.

The hospital keys a screening by ``ref`` (its own id for the baby, normally
``no_rkm_medis``) and a result by (``ref``, ``jenis_pemeriksaan``). Jobs carry
the patient row's numeric ``id`` instead of ``ref``, so no patient identifier
travels through Redis, job logs or dead letters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import Outcome
from core.state.payloads import PayloadStore, SendState, payload_hash, payload_text

__all__ = ["ShkCase", "ShkHasilRow", "ShkPasienRow", "ShkStore"]


@dataclass(frozen=True)
class _Sendable(SendState):
    id: int
    ref: str
    posting_since: datetime | None
    failed_hash: str | None


@dataclass(frozen=True)
class ShkPasienRow(_Sendable):
    id_shk: str | None


@dataclass(frozen=True)
class ShkHasilRow(_Sendable):
    jenis_pemeriksaan: str
    id_hasil: str | None


@dataclass(frozen=True)
class ShkCase:
    """One baby's screening: the patient and its results, sent in that order."""

    pasien: ShkPasienRow
    hasil: list[ShkHasilRow]


# Upsert the newest patient payload; LAST_INSERT_ID(id) makes the row id readable
# whether the row was inserted or updated.
_UPSERT_PASIEN = """
INSERT INTO shk_pasien (ref, payload, payload_hash, updated_at)
VALUES (%s, %s, %s, UTC_TIMESTAMP(3))
ON DUPLICATE KEY UPDATE
    id = LAST_INSERT_ID(id),
    updated_at = IF(payload_hash = VALUES(payload_hash), updated_at, VALUES(updated_at)),
    payload = VALUES(payload),
    payload_hash = VALUES(payload_hash)
"""

# Upsert the newest result of one examination of one baby.
_UPSERT_HASIL = """
INSERT INTO shk_hasil (ref, jenis_pemeriksaan, payload, payload_hash, updated_at)
VALUES (%s, %s, %s, %s, UTC_TIMESTAMP(3))
ON DUPLICATE KEY UPDATE
    updated_at = IF(payload_hash = VALUES(payload_hash), updated_at, VALUES(updated_at)),
    payload = VALUES(payload),
    payload_hash = VALUES(payload_hash)
"""

_PASIEN_ID = "SELECT id FROM shk_pasien WHERE ref = %s"
_REF_OF = "SELECT ref FROM shk_pasien WHERE id = %s"

_COLUMNS = (
    "id, ref, payload, payload_hash, updated_at, posting_since, sent_hash, sent_at,"
    " failed_hash, last_outcome, last_message"
)

# One patient by row id, for the job that sends it.
_GET_PASIEN = f"SELECT {_COLUMNS}, id_shk FROM shk_pasien WHERE id = %s"  # noqa: S608

# Its results, oldest first (the order the hospital reported them).
_GET_HASIL = (
    f"SELECT {_COLUMNS}, jenis_pemeriksaan, id_hasil FROM shk_hasil"  # noqa: S608
    " WHERE ref = %s ORDER BY id"
)

# Patients with work: their own newest payload unsent, or a result unsent that can be
# sent (the patient is upstream, or its payload was not refused for good). Payloads
# refused for good wait for a correction instead of making a dead letter every cycle.
_PENDING = """
SELECT p.id FROM shk_pasien p
WHERE ((p.sent_hash IS NULL OR p.sent_hash <> p.payload_hash)
       AND (p.failed_hash IS NULL OR p.failed_hash <> p.payload_hash))
   OR ((p.id_shk IS NOT NULL OR p.failed_hash IS NULL OR p.failed_hash <> p.payload_hash)
       AND EXISTS (SELECT 1 FROM shk_hasil h WHERE h.ref = p.ref
                   AND (h.sent_hash IS NULL OR h.sent_hash <> h.payload_hash)
                   AND (h.failed_hash IS NULL OR h.failed_hash <> h.payload_hash)))
ORDER BY p.id
"""

# A POST is about to go out: if its answer is lost, the next try looks the record up.
_POSTING = {
    "shk_pasien": "UPDATE shk_pasien SET posting_since = UTC_TIMESTAMP(3)"
                  " WHERE id = %s AND posting_since IS NULL",
    "shk_hasil": "UPDATE shk_hasil SET posting_since = UTC_TIMESTAMP(3)"
                 " WHERE id = %s AND posting_since IS NULL",
}

# RS Online's id is known (from the POST answer or a look-up): PUT from now on.
_SET_ID = {
    "shk_pasien": "UPDATE shk_pasien SET id_shk = %s, posting_since = NULL WHERE id = %s",
    "shk_hasil": "UPDATE shk_hasil SET id_hasil = %s, posting_since = NULL WHERE id = %s",
}

# Mark exactly the payload that was sent; a newer payload stays pending.
_MARK_SENT = {
    table: f"UPDATE {table} SET sent_hash = %s, sent_at = UTC_TIMESTAMP(3),"  # noqa: S608
           " last_outcome = %s, last_message = %s WHERE id = %s"
    for table in ("shk_pasien", "shk_hasil")
}

# A failed attempt; failed_hash only when RS Online refused that payload for good.
_MARK_FAILED = {
    table: f"UPDATE {table} SET last_outcome = %s, last_message = %s,"  # noqa: S608
           " failed_hash = COALESCE(%s, failed_hash) WHERE id = %s"
    for table in ("shk_pasien", "shk_hasil")
}

# RS Online no longer knows the patient (PUT answered "tidak ditemukan"): POST it again,
# and its results with it (the server drops a patient's results with the patient).
_FORGET_PASIEN = (
    "UPDATE shk_pasien SET id_shk = NULL, sent_hash = NULL, posting_since = NULL WHERE id = %s"
)
_FORGET_HASIL_OF = (
    "UPDATE shk_hasil SET id_hasil = NULL, sent_hash = NULL, posting_since = NULL"
    " WHERE ref = %s"
)
_FORGET_HASIL = (
    "UPDATE shk_hasil SET id_hasil = NULL, sent_hash = NULL, posting_since = NULL WHERE id = %s"
)


def _fields(row: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "id": int(row[0]), "ref": row[1], "payload": json.loads(row[2]), "payload_hash": row[3],
        "updated_at": row[4], "posting_since": row[5], "sent_hash": row[6], "sent_at": row[7],
        "failed_hash": row[8], "last_outcome": row[9], "last_message": row[10],
    }


class ShkStore(PayloadStore):
    async def upsert_pasien(self, ref: str, payload: dict[str, Any]) -> int:
        """Store the newest patient payload; returns the row id jobs carry."""
        return await self._lastrowid(_UPSERT_PASIEN,
                                     (ref, payload_text(payload), payload_hash(payload)))

    async def upsert_hasil(
        self, ref: str, jenis_pemeriksaan: str, payload: dict[str, Any]
    ) -> int | None:
        """Store the newest result; returns its patient's row id, None while none is stored."""
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(
                _UPSERT_HASIL,
                (ref, jenis_pemeriksaan, payload_text(payload), payload_hash(payload)),
            )
            await cursor.execute(_PASIEN_ID, (ref,))
            row = await cursor.fetchone()
        return None if row is None else int(row[0])

    async def pasien_id(self, ref: str) -> int | None:
        row = await self._fetchone(_PASIEN_ID, (ref,))
        return None if row is None else int(row[0])

    async def get(self, pasien_id: int) -> ShkCase | None:
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(_GET_PASIEN, (pasien_id,))
            row = await cursor.fetchone()
            if row is None:
                return None
            pasien = ShkPasienRow(**_fields(row), id_shk=row[11])
            await cursor.execute(_GET_HASIL, (pasien.ref,))
            results = [
                ShkHasilRow(**_fields(h), jenis_pemeriksaan=h[11], id_hasil=h[12])
                for h in await cursor.fetchall()
            ]
        return ShkCase(pasien, results)

    async def pending(self) -> list[int]:
        """Patient row ids the producer should enqueue this cycle (``sirs_shk``)."""
        return [int(row[0]) for row in await self._fetchall(_PENDING)]

    # --- patient -------------------------------------------------------------------------------

    async def posting_pasien(self, pasien_id: int) -> None:
        await self._execute(_POSTING["shk_pasien"], (pasien_id,))

    async def set_id_shk(self, pasien_id: int, id_shk: str) -> None:
        await self._execute(_SET_ID["shk_pasien"], (id_shk, pasien_id))

    async def mark_pasien_sent(
        self, pasien_id: int, sent_hash: str, outcome: Outcome, message: str | None
    ) -> None:
        await self._mark_sent(_MARK_SENT["shk_pasien"], (pasien_id,), sent_hash, outcome, message)

    async def mark_pasien_failed(
        self, pasien_id: int, outcome: Outcome, message: str, refused_hash: str | None = None
    ) -> None:
        await self._mark_failed(_MARK_FAILED["shk_pasien"], (pasien_id,), outcome, message,
                                refused_hash)

    async def forget_id_shk(self, pasien_id: int) -> None:
        """RS Online lost the patient: POST it (and its results) again."""
        async with self._pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(_REF_OF, (pasien_id,))
            row = await cursor.fetchone()
            await cursor.execute(_FORGET_PASIEN, (pasien_id,))
            if row is not None:
                await cursor.execute(_FORGET_HASIL_OF, (row[0],))

    # --- results -------------------------------------------------------------------------------

    async def posting_hasil(self, hasil_id: int) -> None:
        await self._execute(_POSTING["shk_hasil"], (hasil_id,))

    async def set_id_hasil(self, hasil_id: int, id_hasil: str) -> None:
        await self._execute(_SET_ID["shk_hasil"], (id_hasil, hasil_id))

    async def mark_hasil_sent(
        self, hasil_id: int, sent_hash: str, outcome: Outcome, message: str | None
    ) -> None:
        await self._mark_sent(_MARK_SENT["shk_hasil"], (hasil_id,), sent_hash, outcome, message)

    async def mark_hasil_failed(
        self, hasil_id: int, outcome: Outcome, message: str, refused_hash: str | None = None
    ) -> None:
        await self._mark_failed(_MARK_FAILED["shk_hasil"], (hasil_id,), outcome, message,
                                refused_hash)

    async def forget_id_hasil(self, hasil_id: int) -> None:
        """RS Online lost the result: POST it again."""
        await self._execute(_FORGET_HASIL, (hasil_id,))
