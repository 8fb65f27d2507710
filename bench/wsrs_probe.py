"""What a WS RS benchmark level cost, seen from outside the client: for ``bench_wsrs.py``.

Client-observed latency alone cannot tell a slow server from a client that is
itself short of CPU (the clients share this machine's 2 cores with the server
and MariaDB), nor lock waits from Python work. A ``Probe`` snapshots, before
and after a level: MariaDB's global status counters (row-lock waits and time,
deadlocks, statements, handler calls), the CPU seconds of the client, the WS RS
process(es) and mariadbd (``/proc``), the load average, and the key-collision /
deadlock-retry lines the WS RS logged at INFO; afterwards it reads the server's
own duration of every call of the level from the audit table.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.services import MariaDBServer

__all__ = ["STATUS", "Probe", "Spent", "cpu_seconds"]

# The counters the report shows, per successful request of the level.
STATUS = ("Questions", "Com_commit", "Com_rollback", "Com_insert", "Com_select",
          "Innodb_row_lock_waits", "Innodb_row_lock_time", "Innodb_deadlocks",
          "Handler_read_key", "Handler_read_next", "Handler_read_prev", "Handler_write")

STATUS_SQL = "SHOW GLOBAL STATUS WHERE Variable_name IN ({names});"
# The server's own time per call of a level (ms), from the audit rows after ``since``.
AUDIT_SQL = "SELECT duration_ms FROM audit WHERE id > {since} AND path = '{path}';"
AUDIT_LAST = "SELECT IFNULL(MAX(id), 0) FROM audit;"
# What the WS RS logs at INFO when a key is taken (registration._insert_next) and when
# InnoDB rolls a transaction back (tx.in_transaction).
COLLISION = "taken by another writer"
RETRY = "rolled back by InnoDB"
_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process itself so far (not its children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command: state is fields[0]; utime and stime are fields 11 and 12.
    return (int(fields[11]) + int(fields[12])) / _TICK


def _status(mariadb: MariaDBServer) -> dict[str, int]:
    names = ", ".join(f"'{n}'" for n in STATUS)
    values: dict[str, int] = {}
    for line in mariadb.sql(STATUS_SQL.format(names=names)).splitlines():
        name, _, value = line.partition("\t")
        values[name] = int(value)
    return values


@dataclass
class Spent:
    """One level's deltas."""

    status: dict[str, int]
    cpu: dict[str, float]
    collisions: int
    retries: int
    server_ms: list[int] = field(default_factory=list)
    load: tuple[float, float] = (0.0, 0.0)

    def server_pct(self, q: float) -> float:
        ordered = sorted(self.server_ms)
        return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))]) if ordered else 0.0


@dataclass
class Probe:
    mariadb: MariaDBServer
    logs: list[Path]
    pids: dict[str, int]

    def _log_counts(self) -> tuple[int, int]:
        collisions = retries = 0
        for log in self.logs:
            text = log.read_text(errors="replace") if log.exists() else ""
            collisions += text.count(COLLISION)
            retries += text.count(RETRY)
        return collisions, retries

    def _cpu(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def start(self) -> tuple[dict[str, int], dict[str, float], tuple[int, int], int, float]:
        since = int(self.mariadb.sql(AUDIT_LAST, "simrs_bridge").split()[-1])
        return (_status(self.mariadb), self._cpu(), self._log_counts(), since,
                os.getloadavg()[0])

    def finish(self, before: tuple[dict[str, int], dict[str, float], tuple[int, int], int,
                                   float], path: str) -> Spent:
        status0, cpu0, (coll0, retry0), since, load0 = before
        cpu1 = self._cpu()
        status1 = _status(self.mariadb)
        coll1, retry1 = self._log_counts()
        time.sleep(0.5)  # the audit log writes in batches; let the last one land
        rows = self.mariadb.sql(AUDIT_SQL.format(since=since, path=path), "simrs_bridge")
        return Spent(
            status={k: status1.get(k, 0) - status0.get(k, 0) for k in STATUS},
            cpu={k: cpu1[k] - cpu0.get(k, 0.0) for k in cpu1},
            collisions=coll1 - coll0, retries=retry1 - retry0,
            server_ms=[int(v) for v in rows.split()], load=(load0, os.getloadavg()[0]),
        )
