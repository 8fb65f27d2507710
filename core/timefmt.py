"""Times as a person reads them: in the hospital's zone, with the offset, never the host's.

The state database stores naive UTC (``UTC_TIMESTAMP``), Redis status documents
epoch seconds; every CLI line and JSON document turns them into the zone of
``SIMRS_BRIDGE_TIMEZONE`` here, so "08:00" means the same on the ward, in the
journal and in a ticket. Humans get ``2025-01-15 08:00:01 +07:00``; JSON gets
ISO 8601 with the offset (``2025-01-15T08:00:01+07:00``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

__all__ = ["human", "iso", "local"]


def local(at: datetime | float, zone: ZoneInfo) -> datetime:
    """An aware datetime in ``zone``; naive values are UTC (the state database's clock)."""
    if isinstance(at, int | float):
        return datetime.fromtimestamp(at, zone)
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return aware.astimezone(zone)


def human(at: datetime | float, zone: ZoneInfo) -> str:
    moment = local(at, zone)
    offset = moment.isoformat()[-6:]
    return f"{moment:%Y-%m-%d %H:%M:%S} {offset}"


def iso(at: datetime | float, zone: ZoneInfo) -> str:
    return local(at, zone).isoformat(timespec="seconds")
