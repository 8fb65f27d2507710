"""The bed groups the hospital wants RS Online to show, and when to reconcile them.

Khanza counts beds per (``kd_bangsal``, ``kelas``); RS Online shows one record
per (``id_tt``, ``ruang``). The operator's mapping (``bed_mapping``) says which
ward class goes into which record; classes mapped to the same record are
summed. A ward class with beds but no mapping is reported as unmapped, never
guessed into a type: a wrong ``id_tt`` publishes beds the hospital does not
have (reference sirs-online.md §4.1 on the fork that guessed).

The producer asks for a reconcile (``sirs:beds``) when the desired groups
differ from the ones last reconciled, or when that reconcile is older than
``RECONCILE_EVERY``; the job records what it reconciled in ``BEDS_LAST``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiomysql
from pydantic import TypeAdapter, ValidationError
from redis.asyncio import Redis

from core.keys import BEDS_LAST
from core.khanza.beds import WardCount, load_ward_counts
from core.sirs.models import BedGroup, BedKey, Ruang, explain
from core.state.beds import BedMapping, BedMappingStore

__all__ = [
    "RECONCILE_EVERY",
    "DesiredBeds",
    "LastReconcile",
    "Ward",
    "covid_split",
    "desired_groups",
    "digest",
    "load_desired",
    "read_last",
    "write_last",
]

logger = logging.getLogger(__name__)


# Changes in Khanza are sent on the next producer cycle (a few seconds) because the
# digest changes; this period only catches what Khanza cannot show us: a record
# edited or deleted on the RS Online side, or a job lost with Redis. A quarter hour
# bounds how long such drift stays public (Kemenkes asks for "real time") at the cost
# of one GET Fasyankes per 15 minutes, far below anything the server would notice.
RECONCILE_EVERY = 15 * 60.0

# The key must be the ruang the server will store, so clean it as BedGroup does.
_RUANG: TypeAdapter[str] = TypeAdapter(Ruang)

Ward = tuple[str, str | None]
"""(kd_bangsal, kelas) as Khanza's kamar has them; kelas may be NULL."""


def covid_split(terpakai: int, confirmed: int = 0) -> tuple[int, int]:
    """(terpakai_suspek, terpakai_konfirmasi) for a COVID group (guide: they sum to terpakai).

    Khanza's ``kamar`` does not say who is confirmed, so only confirmations we
    have a record of count as such and every other occupied bed is a suspect
    (SIMGOS's rule, reference §4.4); claiming confirmed cases nobody confirmed
    would be worse than under-reporting them.
    """
    konfirmasi = min(max(confirmed, 0), terpakai)
    return terpakai - konfirmasi, konfirmasi


@dataclass
class _Sum:
    covid: set[int] = field(default_factory=set)
    wards: set[str] = field(default_factory=set)
    jumlah: int = 0
    terpakai: int = 0
    prepare: int = 0


@dataclass(frozen=True)
class DesiredBeds:
    """The groups to send, plus what could not become a group and why."""

    groups: list[BedGroup]
    unmapped: list[WardCount]
    invalid: list[str]
    digest: str

    @property
    def unmapped_wards(self) -> list[Ward]:
        return [(w.kd_bangsal, w.kelas) for w in self.unmapped]


def digest(groups: Iterable[BedGroup]) -> str:
    """A fingerprint of the groups' bodies: equal digests mean nothing to send."""
    bodies = sorted((g.post_body() for g in groups), key=lambda b: (b["id_tt"], b["ruang"]))
    text = json.dumps(bodies, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def desired_groups(counts: Sequence[WardCount], mapping: Sequence[BedMapping]) -> DesiredBeds:
    """Sum the counts of ward classes per mapped (id_tt, ruang).

    ``jumlah`` is Khanza's capacity (active beds, those under repair included,
    as Khanza's own SIRANAP/Aplicare screens count it), ``terpakai`` the ISI
    beds, ``prepare`` the DIBERSIHKAN/DIBOOKING ones. A mapped class with no
    active beds still makes its group exist (with 0), so closing a ward shows
    0 beds instead of the last numbers sent.
    """
    by_ward = {(w.kd_bangsal, w.kelas): w for w in counts}
    sums: dict[BedKey, _Sum] = {}
    invalid: list[str] = []
    for row in mapping:
        try:
            key = (row.id_tt, _RUANG.validate_python(row.ruang))
        except ValidationError as exc:
            invalid.append(f"{row.id_tt}/{row.ruang}: ruang: {explain(exc)}")
            continue
        total = sums.setdefault(key, _Sum())
        total.covid.add(row.covid)
        total.wards.add(row.kd_bangsal)
        ward = by_ward.get(row.ward)
        if ward is not None:
            total.jumlah += ward.capacity
            total.terpakai += ward.occupied
            total.prepare += ward.prepare
    mapped = {row.ward for row in mapping}
    groups: list[BedGroup] = []
    for (id_tt, ruang), total in sorted(sums.items()):
        if len(total.covid) > 1:
            invalid.append(f"{id_tt}/{ruang}: mapped with both covid 0 and covid 1")
            continue
        covid = total.covid.pop()
        suspek, konfirmasi = covid_split(total.terpakai) if covid else (0, 0)
        try:
            groups.append(BedGroup(
                id_tt=id_tt, ruang=ruang, jumlah_ruang=len(total.wards), jumlah=total.jumlah,
                terpakai=total.terpakai, terpakai_suspek=suspek,
                terpakai_konfirmasi=konfirmasi, prepare=total.prepare, covid=covid,
            ))
        except ValidationError as exc:
            invalid.append(f"{id_tt}/{ruang}: {explain(exc)}")
    unmapped = [w for w in counts if (w.kd_bangsal, w.kelas) not in mapped]
    return DesiredBeds(groups, unmapped, invalid, digest(groups))


async def load_desired(khanza: aiomysql.Pool, mapping: BedMappingStore) -> DesiredBeds:
    """Fresh counts and the current mapping (both small tables, read whole)."""
    async with khanza.acquire() as connection:
        counts = await load_ward_counts(connection)
    return desired_groups(counts, await mapping.all())


@dataclass(frozen=True)
class LastReconcile:
    """What the last finished reconcile sent: its digest, when, and when it last PUT all."""

    digest: str
    at: float
    refreshed_at: float

    def due(self, current: str, now: float, every: float = RECONCILE_EVERY) -> bool:
        return current != self.digest or now - self.at >= every


async def read_last(redis: Redis) -> LastReconcile | None:
    raw = await redis.get(BEDS_LAST)
    if raw is None:
        return None
    try:
        value: dict[str, Any] = json.loads(raw)
        return LastReconcile(str(value["digest"]), float(value["at"]),
                             float(value.get("refreshed_at", 0.0)))
    except (ValueError, KeyError, TypeError):
        logger.warning("ignoring an unreadable %s", BEDS_LAST)
        return None


async def write_last(redis: Redis, last: LastReconcile) -> None:
    await redis.set(BEDS_LAST, json.dumps(
        {"digest": last.digest, "at": last.at, "refreshed_at": last.refreshed_at}))
