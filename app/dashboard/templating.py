"""The one Jinja2 environment every dashboard page is rendered with.

Autoescape is on for every template (``.html``, the inline ``chart.svg`` and the
inlined ``style.css`` alike): a value from Khanza, Redis or an upstream is
HTML-escaped unless a template marks it safe, and none does. So no Python module
builds markup or calls an escape function; they compute view data and the
templates in ``templates/`` (package data, shipped in the wheel) render it.
``StrictUndefined`` turns a misspelt name into an error instead of an empty cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

__all__ = ["TEMPLATES", "Moment", "moment", "render"]

TEMPLATES = Environment(
    loader=PackageLoader("app.dashboard", "templates"), autoescape=True,
    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(name: str, /, **context: Any) -> str:
    """The template ``name`` rendered with ``context``."""
    return TEMPLATES.get_template(name).render(context)


@dataclass(frozen=True)
class Moment:
    """A time as the page shows it: ISO for machines, local clock and age for people."""

    iso: str
    shown: str
    ago: str


def moment(at: datetime | None, now: datetime, zone: ZoneInfo) -> Moment | None:
    """``at`` (UTC; naive like the database's) in the hospital's zone, seen from ``now``."""
    if at is None:
        return None
    at_utc = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    seconds = max(0.0, (now.replace(tzinfo=UTC) - at_utc).total_seconds())
    ago = (f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
           if seconds < 7200 else f"{seconds / 3600:.1f} h" if seconds < 172_800
           else f"{seconds / 86400:.0f} days")
    local = at_utc.astimezone(zone)
    shown = local.strftime("%H:%M:%S") if seconds < 86_400 else local.strftime("%Y-%m-%d %H:%M")
    return Moment(local.isoformat(), shown, ago)
