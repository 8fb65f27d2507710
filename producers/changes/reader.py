"""Follow Khanza's binary log as a replica, in a thread, and hand each transaction over.

``mysql-replication`` (python-mysql-replication) speaks the replication protocol
on top of PyMySQL, which the project already uses under aiomysql; it is pure
Python (nothing to compile on a hospital server), released regularly, knows
MariaDB's GTIDs (``is_mariadb``, ``auto_position``) and decodes row events with
column names from ``binlog_row_metadata=FULL``. It is synchronous, so
``BinlogReader.run`` runs in its own thread and hands every item to the event
loop through ``deliver`` (``loop.call_soon_threadsafe`` in ``feed.py``).

Positions are MariaDB GTID states (``domain-server-seq`` per domain, comma
separated, as ``@@gtid_binlog_pos`` and a replica's ``gtid_slave_pos`` write
them): they survive ``FLUSH LOGS``, rotation and a server restart, which may
rename or renumber files but never a GTID. A position the server no longer has
(its binlog was purged) is reported as a ``Fallback`` and reading restarts at
the server's current position. Every other failure (server restart, network,
missing grant) is reported as ``Trouble`` and retried with a growing pause.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pymysql
from pymysqlreplication import BinLogStreamReader
from pymysqlreplication.event import (
    HeartbeatLogEvent,
    MariadbGtidEvent,
    QueryEvent,
    RotateEvent,
    XidEvent,
)
from pymysqlreplication.row_event import DeleteRowsEvent, UpdateRowsEvent, WriteRowsEvent

from core.db import describe_error
from core.settings import DatabaseUrl
from producers.changes.tables import WATCHED, Change, changes_in_rows

__all__ = [
    "GTID_STATE",
    "BinlogReader",
    "Connected",
    "Fallback",
    "Idle",
    "Item",
    "Transaction",
    "Trouble",
]

# A MariaDB GTID state: one domain-server-sequence per replication domain.
GTID_STATE = re.compile(r"^\d+-\d+-\d+(,\d+-\d+-\d+)*$")
# "connecting slave requested to start from GTID ..., which is not in the master's binlog"
# and its relatives: the position is gone, reading from it can never succeed.
ER_MASTER_FATAL_ERROR_READING_BINLOG = 1236
# The server's current position; readable without any privilege.
CURRENT_POSITION = "SELECT @@gtid_binlog_pos"

_KINDS: dict[type[Any], str] = {
    WriteRowsEvent: "write", UpdateRowsEvent: "update", DeleteRowsEvent: "delete",
}


@dataclass(frozen=True)
class Transaction:
    """One committed transaction: the position after it and what it changed for us."""

    position: str
    committed: float  # the server's timestamp of the transaction (epoch seconds)
    changes: tuple[Change, ...] = ()
    rows: dict[str, int] = field(default_factory=dict)  # watched rows seen per table
    log_file: str | None = None
    log_pos: int | None = None


@dataclass(frozen=True)
class Idle:
    """The server sent a heartbeat: everything written so far has been read."""


@dataclass(frozen=True)
class Connected:
    position: str
    resumed: bool  # from a stored position, as opposed to the server's current one


@dataclass(frozen=True)
class Fallback:
    requested: str
    reason: str


@dataclass(frozen=True)
class Trouble:
    reason: str
    retry_in: float


Item = Transaction | Idle | Connected | Fallback | Trouble


def _state(position: str) -> dict[str, str]:
    return {gtid.split("-", 1)[0]: gtid for gtid in position.split(",") if gtid}


def _render(state: dict[str, str]) -> str:
    return ",".join(state[d] for d in sorted(state, key=int))


class BinlogReader:
    """The thread side: connect, follow, reconnect; never raises out of ``run``."""

    def __init__(
        self, url: DatabaseUrl, server_id: int, deliver: Callable[[Item], None],
        stop: threading.Event, *, heartbeat: float = 1.0, max_pause: float = 30.0,
    ) -> None:
        self.url = url
        self.server_id = server_id
        self.deliver = deliver
        self.stop = stop
        self.heartbeat = heartbeat
        self.max_pause = max_pause
        self.position: str | None = None

    def _connection(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "user": self.url.user, "password": self.url.password.get_secret_value(),
            "connect_timeout": 5,
            # Heartbeats arrive every `heartbeat` s; silence much longer is a dead link.
            "read_timeout": max(10, int(self.heartbeat * 10)),
        }
        if self.url.unix_socket:
            params["unix_socket"] = self.url.unix_socket
        else:
            params["host"], params["port"] = self.url.host, self.url.port
        return params

    def _current(self) -> str:
        connection = pymysql.connect(**self._connection())
        try:
            with connection.cursor() as cursor:
                cursor.execute(CURRENT_POSITION)
                row = cursor.fetchone()
        finally:
            connection.close()
        return str(row[0] if row and row[0] is not None else "")

    def run(self, position: str | None) -> None:
        """Follow from ``position`` (None: from the server's current one) until ``stop``."""
        self.position = position
        resumed = position is not None
        pause = 0.5
        while not self.stop.is_set():
            try:
                if self.position is None:
                    self.position = self._current()
                    resumed = False
                got_any = self._follow(self.position, resumed)
                resumed = True
                if got_any or self.stop.is_set():
                    pause = 0.5
                    continue  # the stream ended (server going down): reconnect at once
                reason = "the server ended the binlog stream at once"
            except pymysql.err.MySQLError as exc:
                code = exc.args[0] if exc.args else None
                if code == ER_MASTER_FATAL_ERROR_READING_BINLOG and resumed:
                    self.deliver(Fallback(self.position or "", describe_error(exc)))
                    self.position = None
                    continue
                reason = describe_error(exc)
            except (OSError, EOFError, ValueError, KeyError, IndexError) as exc:
                # OSError: the socket; the others: a packet cut off by a dying server.
                reason = f"{type(exc).__name__}: {exc}"
            self.deliver(Trouble(reason, pause))
            self.stop.wait(pause)
            pause = min(pause * 2, self.max_pause)

    def _follow(self, position: str, resumed: bool) -> bool:
        """Stream from ``position`` until the server ends it or ``stop``; True if any event
        arrived (the connection worked, so the next failure starts a fresh backoff)."""
        stream = BinLogStreamReader(
            connection_settings=self._connection(), server_id=self.server_id,
            blocking=True, is_mariadb=True, auto_position=position,
            only_events=[MariadbGtidEvent, XidEvent, QueryEvent, RotateEvent,
                         HeartbeatLogEvent, WriteRowsEvent, UpdateRowsEvent, DeleteRowsEvent],
            only_tables=list(WATCHED), only_schemas=[self.url.database],
            slave_heartbeat=self.heartbeat, enable_logging=False,
        )
        state = _state(position)
        gtid: str | None = None
        changes: list[Change] = []
        rows: dict[str, int] = {}
        committed = 0.0
        got_any = False
        try:
            while not self.stop.is_set():
                event = stream.fetchone()
                if event is None:
                    return got_any
                if not got_any:
                    got_any = True
                    self.deliver(Connected(position, resumed))
                if isinstance(event, HeartbeatLogEvent):
                    self.deliver(Idle())
                elif isinstance(event, MariadbGtidEvent):
                    if gtid is not None and gtid != event.gtid:
                        # The previous one ended unseen (a statement filtered out by schema).
                        self._finish(stream, state, gtid, committed, changes, rows)
                    gtid, committed, changes, rows = event.gtid, float(event.timestamp), [], {}
                elif isinstance(event, WriteRowsEvent | UpdateRowsEvent | DeleteRowsEvent):
                    table = str(event.table)
                    rows[table] = rows.get(table, 0) + len(event.rows)
                    for change in changes_in_rows(table, _KINDS[type(event)], event.rows):
                        if change not in changes:
                            changes.append(change)
                elif gtid is not None and (isinstance(event, XidEvent) or (
                        isinstance(event, QueryEvent) and _ends_transaction(event))):
                    self._finish(stream, state, gtid, committed, changes, rows)
                    gtid = None
        finally:
            stream.close()
        return got_any

    def _finish(self, stream: BinLogStreamReader, state: dict[str, str], gtid: str,
                committed: float, changes: list[Change], rows: dict[str, int]) -> None:
        state[gtid.split("-", 1)[0]] = gtid
        self.position = _render(state)
        # The library reconnects by itself after a dropped link, from auto_position.
        stream.auto_position = self.position
        self.deliver(Transaction(self.position, committed or time.time(), tuple(changes),
                                 dict(rows), stream.log_file, stream.log_pos))


def _ends_transaction(event: QueryEvent) -> bool:
    query = event.query.decode("utf-8", "replace") if isinstance(event.query, bytes) else str(
        event.query)
    return query.strip().upper() != "BEGIN"
