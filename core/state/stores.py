"""All of the daemon's own tables, one store each, over one state-database pool.

Producers, jobs, the CLI and the dashboard build them the same way, so a new
store is added here once instead of being constructed ad hoc where it is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiomysql

from core.state.beds import BedMappingStore, MariaDbIdTtStore
from core.state.binlog import BinlogPositions
from core.state.deadletters import DeadLetters
from core.state.kebutuhan import KebutuhanStore
from core.state.ledger import Ledger
from core.state.readback import Readbacks
from core.state.reports import DailyReports
from core.state.shk import ShkStore

__all__ = ["Stores"]


@dataclass(frozen=True)
class Stores:
    pool: aiomysql.Pool
    ledger: Ledger
    reports: DailyReports
    dead_letters: DeadLetters
    kebutuhan: KebutuhanStore
    shk: ShkStore
    bed_mapping: BedMappingStore
    id_tt: MariaDbIdTtStore
    binlog: BinlogPositions
    readbacks: Readbacks

    @classmethod
    def over(cls, pool: aiomysql.Pool) -> Stores:
        return cls(
            pool=pool, ledger=Ledger(pool), reports=DailyReports(pool),
            dead_letters=DeadLetters(pool), kebutuhan=KebutuhanStore(pool), shk=ShkStore(pool),
            bed_mapping=BedMappingStore(pool), id_tt=MariaDbIdTtStore(pool),
            binlog=BinlogPositions(pool),
            readbacks=Readbacks(pool),
        )
