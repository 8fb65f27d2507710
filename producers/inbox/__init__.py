"""The inbox: events the SIMRS pushes into a Redis stream (contract: ``docs/inbox.md``).

``events`` turns a stream entry into a validated event or a reason,
``store`` writes it to the state tables (newest event wins), and ``reader``
runs the consumer group: acknowledge only what is stored, reject what never
can be, retry what could not be stored yet.
"""

from __future__ import annotations

from producers.inbox.events import KINDS, Event, Rejected, parse
from producers.inbox.reader import GROUP, Inbox, InboxStats, consumer_name
from producers.inbox.store import InboxStores, NewestApplied

__all__ = [
    "GROUP",
    "KINDS",
    "Event",
    "Inbox",
    "InboxStats",
    "InboxStores",
    "NewestApplied",
    "Rejected",
    "consumer_name",
    "parse",
]
