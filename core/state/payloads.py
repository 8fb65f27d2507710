"""Desired payloads and what RS Online has of them: the rule reports, kebutuhan and SHK share.

Each of those tables keeps the newest payload the hospital reported with its
``payload_hash``, the hash of the payload RS Online accepted (``sent_hash``)
and of one it refused for good (``failed_hash``). A job marks sent exactly the
hash it sent, so a payload corrected while the job ran stays pending; a failure
never touches ``sent_hash``. The stores differ only in their keys, so the
parameter order of those statements and the stored text live here once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import Outcome
from core.state.store import Store

__all__ = ["PayloadStore", "SendState", "payload_hash", "payload_text"]


def payload_hash(payload: Mapping[str, object]) -> str:
    """The digest that says whether two payloads are the same, whatever their key order."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def payload_text(payload: Mapping[str, object]) -> str:
    """The payload as stored in the table's JSON column."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True, kw_only=True)
class SendState:
    """The newest payload of one row and how far it got upstream."""

    payload: dict[str, Any]
    payload_hash: str
    updated_at: datetime
    sent_hash: str | None
    sent_at: datetime | None
    last_outcome: str | None
    last_message: str | None

    @property
    def pending(self) -> bool:
        """RS Online does not have the newest payload yet."""
        return self.sent_hash != self.payload_hash


class PayloadStore(Store):
    """A store of desired payloads; each statement takes the row's key last."""

    async def _upsert(self, sql: str, key: tuple[object, ...], payload: dict[str, Any]) -> None:
        """``sql`` takes the key, the payload text and its hash."""
        await self._execute(sql, (*key, payload_text(payload), payload_hash(payload)))

    async def _mark_sent(
        self, sql: str, key: tuple[object, ...], sent_hash: str, outcome: Outcome,
        message: str | None,
    ) -> None:
        """``sql`` takes the hash sent, the outcome, the message, then the key."""
        await self._execute(sql, (sent_hash, outcome.value, message, *key))

    async def _mark_failed(
        self, sql: str, key: tuple[object, ...], outcome: Outcome, message: str,
        refused_hash: str | None,
    ) -> None:
        """``sql`` takes the outcome, the message, the hash refused for good (or None), the key."""
        await self._execute(sql, (outcome.value, message[:1000], refused_hash, *key))
