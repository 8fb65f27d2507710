"""Change data capture: follow Khanza's binary log instead of polling (docs/binlog.md).

``tables`` says which tables and columns the producer reads and what a row
change there touches; ``reader`` follows the binlog as a replica in a thread;
``feed`` turns relevant transactions into producer nudges and keeps the
position; ``requirements`` checks the server for ``simrs-bridge check``.
"""

from __future__ import annotations

from producers.changes.feed import ChangeFeed, publish_poll_status
from producers.changes.tables import WATCHED, Change, Watched, changes_in_rows

__all__ = ["WATCHED", "Change", "ChangeFeed", "Watched", "changes_in_rows",
           "publish_poll_status"]
