"""Keep RS Online's bed records (``Fasyankes``) equal to the hospital's bed groups.

Reference §4.3 "reconcile mode": one GET of the listing per cycle, then POST
the groups the server lacks, PUT (by ``id_t_tt``) the ones whose counts
differ, skip the rest, and delete server records that no longer exist locally
only when asked to. The server's ``id_t_tt`` is the only key V3 accepts for
PUT and DELETE, so every id learnt is remembered in an ``IdTtStore``; the two
races the reference describes recover on their own: a POST answered "sudah
ada" re-reads the listing and PUTs, a PUT answered "tidak ditemukan" POSTs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol

from core.errors import FixThenRetryError, PermanentError, RetryableError, UpstreamError
from core.sirs.models import BedGroup, BedKey, BedRow
from worker.sirs.client import SERVICE
from worker.sirs.endpoints import RsOnline

__all__ = [
    "IdTtStore",
    "MemoryIdTtStore",
    "ReconcileSummary",
    "reconcile_beds",
    "upsert_bed",
]

logger = logging.getLogger(__name__)

class IdTtStore(Protocol):
    """Where the ``id_t_tt`` the server assigned to each bed group is remembered."""

    async def get(self, key: BedKey) -> str | None: ...

    async def put(self, key: BedKey, id_t_tt: str) -> None: ...

    async def delete(self, key: BedKey) -> None: ...

    async def list(self) -> dict[BedKey, str]: ...


class MemoryIdTtStore:
    """A dict behind the protocol, for tests and one-off CLI runs."""

    def __init__(self, initial: dict[BedKey, str] | None = None) -> None:
        self.ids: dict[BedKey, str] = dict(initial or {})

    async def get(self, key: BedKey) -> str | None:
        return self.ids.get(key)

    async def put(self, key: BedKey, id_t_tt: str) -> None:
        self.ids[key] = id_t_tt

    async def delete(self, key: BedKey) -> None:
        self.ids.pop(key, None)

    async def list(self) -> dict[BedKey, str]:
        return dict(self.ids)


@dataclass
class ReconcileSummary:
    """What one reconcile did; ``kept`` are server-only records left alone (no delete flag)."""

    posted: list[BedKey] = field(default_factory=list)
    updated: list[BedKey] = field(default_factory=list)
    unchanged: list[BedKey] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, list[object]]:
        return asdict(self)


def _find(rows: Sequence[BedRow], key: BedKey) -> BedRow | None:
    return next((r for r in rows if r.registered and r.key == key), None)


async def _post(api: RsOnline, group: BedGroup, store: IdTtStore, *, lookup: bool) -> str | None:
    """POST a group; "sudah ada" means the listing has it after all: re-read and PUT."""
    try:
        result = await api.post_bed(group)
    except FixThenRetryError:
        row = _find(await api.beds(), group.key)
        if row is None or row.id_t_tt is None:
            raise PermanentError(
                f"POST Fasyankes: server says {group.id_tt}/{group.ruang} exists "
                "but its listing has no such record",
                service=SERVICE,
            ) from None
        await store.put(group.key, row.id_t_tt)
        await api.put_bed(row.id_t_tt, group)
        return row.id_t_tt
    if result.id_t_tt:
        await store.put(group.key, result.id_t_tt)
        return result.id_t_tt
    if not lookup:
        return None
    row = _find(await api.beds(), group.key)
    if row is not None and row.id_t_tt:
        await store.put(group.key, row.id_t_tt)
        return row.id_t_tt
    return None


async def _put(api: RsOnline, id_t_tt: str, group: BedGroup, store: IdTtStore) -> bool:
    """PUT by id; "tidak ditemukan" (deleted or stale at Kemenkes) falls back to POST.

    Returns True when the group had to be POSTed again.
    """
    try:
        await api.put_bed(id_t_tt, group)
    except FixThenRetryError:
        logger.info("sirs bed id_t_tt %s is gone upstream; posting the group again", id_t_tt)
        await store.delete(group.key)
        await _post(api, group, store, lookup=True)
        return True
    return False


async def upsert_bed(api: RsOnline, group: BedGroup, store: IdTtStore) -> str | None:
    """Push one group without reading the listing: PUT by the stored id, else POST.

    For the debounced push after an admission or discharge, where a full
    reconcile would cost a GET per change. Returns the group's ``id_t_tt``.
    """
    known = await store.get(group.key)
    if known:
        await _put(api, known, group, store)
        return await store.get(group.key)
    return await _post(api, group, store, lookup=True)


def _check_unique(desired: Sequence[BedGroup]) -> None:
    seen: set[BedKey] = set()
    for group in desired:
        if group.key in seen:
            raise ValueError(f"bed group {group.id_tt}/{group.ruang} is listed twice")
        seen.add(group.key)


async def reconcile_beds(
    api: RsOnline,
    desired: Sequence[BedGroup],
    store: IdTtStore,
    *,
    delete_missing: bool = False,
    refresh: bool = False,
) -> ReconcileSummary:
    """Make the server's bed records equal ``desired`` in the fewest calls.

    ``refresh`` PUTs unchanged groups too, to keep the public ``tglupdate``
    fresh. Failures of one group are collected in the summary; a retryable
    failure (network, 5xx) stops the cycle and propagates, since the next
    cycle's GET will see whatever this one managed.
    """
    _check_unique(desired)
    summary = ReconcileSummary()
    rows = [row for row in await api.beds() if row.registered]
    by_key: dict[BedKey, BedRow] = {}
    by_id: dict[str, BedRow] = {}
    for listed in rows:
        assert listed.id_t_tt is not None
        by_id.setdefault(listed.id_t_tt, listed)
        by_key.setdefault(listed.key, listed)
    known = await store.list()
    matched: set[str] = set()
    unresolved: list[BedGroup] = []

    for group in desired:
        key = group.key
        row = by_key.get(key)
        stored = known.get(key)
        if row is None and stored is not None and stored in by_id and stored not in matched:
            row = by_id[stored]  # the server shows our record under a different ruang
        try:
            if row is None or row.id_t_tt is None:
                if stored:
                    await store.delete(key)  # deleted on the server side
                if await _post(api, group, store, lookup=False) is None:
                    unresolved.append(group)
                summary.posted.append(key)
                continue
            matched.add(row.id_t_tt)
            if stored != row.id_t_tt:
                await store.put(key, row.id_t_tt)
            if not refresh and row.counts() == group.counts() and row.ruang == group.ruang:
                summary.unchanged.append(key)
            elif await _put(api, row.id_t_tt, group, store):
                summary.posted.append(key)
            else:
                summary.updated.append(key)
        except RetryableError:
            raise
        except UpstreamError as exc:
            summary.errors.append(f"{group.id_tt}/{group.ruang}: {exc}")

    if unresolved:
        listing = await api.beds()
        for group in unresolved:
            found = _find(listing, group.key)
            if found is not None and found.id_t_tt:
                await store.put(group.key, found.id_t_tt)

    wanted = {group.key for group in desired}
    for orphan in rows:
        assert orphan.id_t_tt is not None
        if orphan.id_t_tt in matched:
            continue
        if not delete_missing:
            summary.kept.append(orphan.id_t_tt)
            continue
        try:
            await api.delete_bed(orphan.id_t_tt)
        except RetryableError:
            raise
        except UpstreamError as exc:
            summary.errors.append(f"delete {orphan.id_t_tt}: {exc}")
            continue
        summary.deleted.append(orphan.id_t_tt)
        for key, id_t_tt in known.items():
            if id_t_tt == orphan.id_t_tt and key not in wanted:
                await store.delete(key)

    # Forget ids of groups that are gone both locally and upstream.
    for key, id_t_tt in known.items():
        if key not in wanted and id_t_tt not in by_id:
            await store.delete(key)
    logger.info(
        "sirs beds: %d posted, %d updated, %d unchanged, %d deleted, %d kept, %d errors",
        len(summary.posted), len(summary.updated), len(summary.unchanged),
        len(summary.deleted), len(summary.kept), len(summary.errors),
    )  # fmt: skip
    return summary
