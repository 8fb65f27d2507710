"""Desired SDM and APD needs (``Fasyankes/sdm``, ``Fasyankes/apd``), per id_kebutuhan.

The inbox stores what the hospital reports; the newest payload for an
``id_kebutuhan`` wins. ``payload_hash`` against ``sent_hash`` says whether RS
Online has the newest payload, so a job that sent an older payload cannot mark
a newer one sent. ``sent_hash`` being set also tells the job that the record
exists upstream (PUT rather than POST). A payload RS Online refused for good
(``failed_hash``) is not offered to the producer again until it changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.errors import Outcome
from core.state.payloads import PayloadStore, SendState

__all__ = ["KebutuhanItem", "KebutuhanStore"]


@dataclass(frozen=True)
class KebutuhanItem(SendState):
    kind: str
    id_kebutuhan: str
    failed_hash: str | None

    @property
    def on_server(self) -> bool:
        """Some payload was accepted before, so the record exists upstream: PUT it."""
        return self.sent_hash is not None


# Upsert the newest payload; a changed payload becomes pending again.
_UPSERT = """
INSERT INTO kebutuhan (kind, id_kebutuhan, payload, payload_hash, updated_at)
VALUES (%s, %s, %s, %s, UTC_TIMESTAMP(3))
ON DUPLICATE KEY UPDATE
    updated_at = IF(payload_hash = VALUES(payload_hash), updated_at, VALUES(updated_at)),
    payload = VALUES(payload),
    payload_hash = VALUES(payload_hash)
"""

# One item by key, for the job that sends it.
_GET = (
    "SELECT kind, id_kebutuhan, payload, payload_hash, updated_at, sent_hash, sent_at,"
    " failed_hash, last_outcome, last_message"
    " FROM kebutuhan WHERE kind = %s AND id_kebutuhan = %s"
)

# Items whose newest payload RS Online has neither accepted nor refused for good.
_PENDING = (
    "SELECT kind, id_kebutuhan FROM kebutuhan"
    " WHERE (sent_hash IS NULL OR sent_hash <> payload_hash)"
    " AND (failed_hash IS NULL OR failed_hash <> payload_hash)"
    " ORDER BY kind, id_kebutuhan"
)

# Mark the payload that was actually sent; a newer payload stays pending.
_MARK_SENT = """
UPDATE kebutuhan
SET sent_hash = %s, sent_at = UTC_TIMESTAMP(3), last_outcome = %s, last_message = %s
WHERE kind = %s AND id_kebutuhan = %s
"""

# Remember a failed attempt without touching what was sent before; failed_hash only
# for a permanent refusal of exactly that payload.
_MARK_FAILED = """
UPDATE kebutuhan
SET last_outcome = %s, last_message = %s, failed_hash = COALESCE(%s, failed_hash)
WHERE kind = %s AND id_kebutuhan = %s
"""


class KebutuhanStore(PayloadStore):
    async def upsert(self, kind: str, id_kebutuhan: str, payload: dict[str, Any]) -> None:
        await self._upsert(_UPSERT, (kind, id_kebutuhan), payload)

    async def get(self, kind: str, id_kebutuhan: str) -> KebutuhanItem | None:
        row = await self._fetchone(_GET, (kind, id_kebutuhan))
        if row is None:
            return None
        return KebutuhanItem(
            kind=row[0], id_kebutuhan=row[1], payload=json.loads(row[2]), payload_hash=row[3],
            updated_at=row[4], sent_hash=row[5], sent_at=row[6], failed_hash=row[7],
            last_outcome=row[8], last_message=row[9],
        )

    async def pending(self) -> list[tuple[str, str]]:
        """(kind, id_kebutuhan) of every item the producer should enqueue this cycle."""
        return [(str(kind), str(ident)) for kind, ident in await self._fetchall(_PENDING)]

    async def mark_sent(
        self, kind: str, id_kebutuhan: str, sent_hash: str, outcome: Outcome, message: str | None
    ) -> None:
        await self._mark_sent(_MARK_SENT, (kind, id_kebutuhan), sent_hash, outcome, message)

    async def mark_failed(
        self, kind: str, id_kebutuhan: str, outcome: Outcome, message: str,
        refused_hash: str | None = None,
    ) -> None:
        """Record a failure; ``refused_hash`` for a payload RS Online refused for good."""
        await self._mark_failed(_MARK_FAILED, (kind, id_kebutuhan), outcome, message,
                                refused_hash)
