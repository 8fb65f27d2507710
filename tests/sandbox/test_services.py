"""The private servers behind every other test: real, reusable, and gone afterwards."""

from __future__ import annotations

import os
from pathlib import Path

import redis as sync_redis

from sandbox.services import MariaDBServer, RedisServer


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_session_servers_answer(redis_url: str, mariadb_server: MariaDBServer) -> None:
    client = sync_redis.Redis.from_url(redis_url)
    assert client.ping()
    client.close()
    assert mariadb_server.sql("SELECT 1 + 1").strip() == "2"


def test_stop_leaves_no_process_and_restart_reuses_datadir(tmp_path: Path) -> None:
    maria = MariaDBServer(tmp_path / "db").start()
    maria.sql("CREATE DATABASE kept; CREATE TABLE kept.t (x INT); INSERT INTO kept.t VALUES (7);")
    assert maria.process is not None
    pid = maria.process.pid
    maria.stop()
    assert not _alive(pid)
    maria.start()
    try:
        assert maria.sql("SELECT x FROM kept.t").strip() == "7"
    finally:
        maria.stop()

    cache = RedisServer(tmp_path / "redis").start()
    assert cache.process is not None
    pid = cache.process.pid
    cache.stop()
    assert not _alive(pid)
