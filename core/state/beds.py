"""Bed state in our own database: RS Online's ``id_t_tt`` per group, and the ward mapping.

``MariaDbIdTtStore`` is ``worker.sirs.beds.IdTtStore`` over ``bed_idtt``: the
server's id is the only key V3 accepts for PUT and DELETE, so it must outlive
the worker process. ``BedMappingStore`` holds which RS Online group
(``id_tt``, ``ruang``) each Khanza (``kd_bangsal``, ``kelas``) reports into;
the operator replaces it as a whole from a CSV, in one transaction, so the
producer never sees half an old and half a new mapping.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.sirs.models import BedKey
from core.state.store import Store

__all__ = ["BedMapping", "BedMappingStore", "MariaDbIdTtStore"]

logger = logging.getLogger(__name__)

_IDTT_GET = "SELECT id_t_tt FROM bed_idtt WHERE id_tt = %s AND ruang = %s"
# The table's collation ignores case; storing the newest spelling of ruang keeps the
# key list() returns equal to the one reconcile_beds asked for.
_IDTT_PUT = """
INSERT INTO bed_idtt (id_tt, ruang, id_t_tt, updated_at) VALUES (%s, %s, %s, UTC_TIMESTAMP(3))
ON DUPLICATE KEY UPDATE ruang = VALUES(ruang), id_t_tt = VALUES(id_t_tt),
                        updated_at = VALUES(updated_at)
"""
_IDTT_DELETE = "DELETE FROM bed_idtt WHERE id_tt = %s AND ruang = %s"
_IDTT_LIST = "SELECT id_tt, ruang, id_t_tt FROM bed_idtt ORDER BY id_tt, ruang"

_MAPPING_ALL = (
    "SELECT kd_bangsal, kelas, id_tt, ruang, covid, loaded_at FROM bed_mapping"
    " ORDER BY kd_bangsal, kelas"
)
_MAPPING_CLEAR = "DELETE FROM bed_mapping"
_MAPPING_INSERT = """
INSERT INTO bed_mapping (kd_bangsal, kelas, id_tt, ruang, covid, loaded_at)
VALUES (%s, %s, %s, %s, %s, UTC_TIMESTAMP(3))
"""


class MariaDbIdTtStore(Store):
    """The ``IdTtStore`` protocol over ``bed_idtt``; each call is one short statement."""

    async def get(self, key: BedKey) -> str | None:
        row = await self._fetchone(_IDTT_GET, key)
        return None if row is None else str(row[0])

    async def put(self, key: BedKey, id_t_tt: str) -> None:
        await self._execute(_IDTT_PUT, (*key, id_t_tt))

    async def delete(self, key: BedKey) -> None:
        await self._execute(_IDTT_DELETE, key)

    async def list(self) -> dict[BedKey, str]:
        return {(str(t), str(r)): str(i) for t, r, i in await self._fetchall(_IDTT_LIST)}


@dataclass(frozen=True)
class BedMapping:
    """One CSV row: a Khanza ward class and the RS Online group it is counted in.

    ``kelas`` is None for beds whose ``kamar.kelas`` is NULL. ``ruang`` is
    already cleaned the way ``BedGroup`` cleans it, so it is the group's key.
    """

    kd_bangsal: str
    kelas: str | None
    id_tt: str
    ruang: str
    covid: int = 0
    loaded_at: datetime | None = None

    @property
    def ward(self) -> tuple[str, str | None]:
        return (self.kd_bangsal, self.kelas)

    @property
    def key(self) -> BedKey:
        return (self.id_tt, self.ruang)


class BedMappingStore(Store):
    async def all(self) -> list[BedMapping]:
        rows = await self._fetchall(_MAPPING_ALL)
        return [
            BedMapping(kd_bangsal=str(b), kelas=str(k) or None, id_tt=str(t), ruang=str(r),
                       covid=int(c), loaded_at=at)
            for b, k, t, r, c, at in rows
        ]

    async def replace_all(self, rows: Sequence[BedMapping]) -> None:
        """Swap the whole mapping in one transaction: readers see the old or the new one."""
        values = [(m.kd_bangsal, m.kelas or "", m.id_tt, m.ruang, m.covid) for m in rows]
        async with self._pool.acquire() as connection:
            await connection.begin()
            try:
                async with connection.cursor() as cursor:
                    await cursor.execute(_MAPPING_CLEAR)
                    if values:
                        await cursor.executemany(_MAPPING_INSERT, values)
            except BaseException:
                await connection.rollback()
                raise
            await connection.commit()
        logger.info("bed mapping replaced: %d rows", len(values))
