"""The stores' one-statement helpers return what each store relies on from them.

A store's answer (a replay claimed once, a row id jobs carry, "not found") is
read straight from these helpers, so each is checked on a real table here.
"""

from __future__ import annotations

import aiomysql

from core.errors import Outcome
from core.state.payloads import PayloadStore, payload_hash
from core.state.store import Store

# Plain statements on a table of the migrated state database, for the helpers to run.
_INSERT = "INSERT INTO binlog_position (source, gtid, saved_at) VALUES (%s, %s, UTC_TIMESTAMP(3))"
_RENAME_ALL = "UPDATE binlog_position SET gtid = %s"
_ONE = "SELECT source, gtid FROM binlog_position WHERE source = %s"
_ALL = "SELECT source, gtid FROM binlog_position ORDER BY source"
# A literal percent sign: with no parameters it must reach the server unformatted.
_PERCENT = "SELECT '100%'"
_ADD_LETTER = """
INSERT INTO dead_letter (job_id, function, args, outcome, message, attempts, failed_at)
VALUES (%s, 'f', '[]', 'permanent', 'm', 1, UTC_TIMESTAMP(3))
"""
_MARK_FAILED = """
UPDATE kebutuhan SET last_outcome = %s, last_message = %s,
    failed_hash = COALESCE(%s, failed_hash)
WHERE kind = %s AND id_kebutuhan = %s
"""
_UPSERT = """
INSERT INTO kebutuhan (kind, id_kebutuhan, payload, payload_hash, updated_at)
VALUES (%s, %s, %s, %s, UTC_TIMESTAMP(3))
"""
_ROW = "SELECT payload, payload_hash, last_message, failed_hash FROM kebutuhan"


class _Table(Store):
    """A store with no methods of its own, to reach the helpers."""


class _Payloads(PayloadStore):
    """A payload store with no methods of its own, to reach its helpers."""


async def test_helpers_return_rows_counts_and_ids(state_pool: aiomysql.Pool) -> None:
    table = _Table(state_pool)
    assert table.pool is state_pool
    assert await table._fetchone(_ONE, ("khanza",)) is None
    assert await table._fetchall(_ALL) == []

    assert await table._execute(_INSERT, ("khanza", "0-1-1")) == 1
    assert await table._execute(_INSERT, ("replica", "0-1-2")) == 1
    assert await table._fetchone(_ONE, ("khanza",)) == ("khanza", "0-1-1")
    assert await table._execute(_RENAME_ALL, ("0-1-9",)) == 2
    assert await table._fetchall(_ALL) == [("khanza", "0-1-9"), ("replica", "0-1-9")]
    assert await table._fetchone(_PERCENT) == ("100%",)

    first = await table._lastrowid(_ADD_LETTER, ("job-1",))
    second = await table._lastrowid(_ADD_LETTER, ("job-2",))
    assert first > 0 and second == first + 1


async def test_payload_helpers_store_text_hash_and_a_short_message(
    state_pool: aiomysql.Pool,
) -> None:
    store = _Payloads(state_pool)
    payload = {"b": "ü", "a": 1}
    await store._upsert(_UPSERT, ("sdm", "7"), payload)
    await store._mark_failed(_MARK_FAILED, ("sdm", "7"), Outcome.PERMANENT, "x" * 5000, "h1")

    [(text, digest, message, refused)] = await store._fetchall(_ROW)
    assert text == '{"a": 1, "b": "ü"}'
    assert digest == payload_hash({"a": 1, "b": "ü"})
    assert (len(message), refused) == (1000, "h1")
