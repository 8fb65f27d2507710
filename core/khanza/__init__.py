"""Reading SIMRS Khanza: bookings, task times, pharmacy queue and bed counts.

Read-only and cheap (DESIGN.md principle 6): every query reaches the tables
that grow with history through a key over the active window; ``queries.py``
lists them all for the drift and EXPLAIN tests.
"""

from __future__ import annotations

from core.khanza.beds import WardCount, load_ward_counts
from core.khanza.bookings import load_booking, load_window, no_rawat_range
from core.khanza.options import KhanzaOptions, TaskSources

__all__ = [
    "KhanzaOptions",
    "TaskSources",
    "WardCount",
    "load_booking",
    "load_ward_counts",
    "load_window",
    "no_rawat_range",
]
