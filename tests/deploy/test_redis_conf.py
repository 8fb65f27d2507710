"""deploy/redis.conf is a configuration Debian's redis-server accepts, with AOF on."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import redis.asyncio as aioredis

from sandbox.services import free_port

from .conftest import REPO


async def test_redis_accepts_the_snippet_and_persists_with_aof(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", str(REPO / "deploy" / "redis.conf"), "--port", str(port),
         "--dir", str(tmp_path), "--save", "", "--daemonize", "no",
         "--logfile", str(tmp_path / "redis.log")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    client = aioredis.Redis(port=port, decode_responses=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                await client.ping()
                break
            except (ConnectionError, OSError, aioredis.ConnectionError):
                assert process.poll() is None, (tmp_path / "redis.log").read_text()
                assert time.monotonic() < deadline, "redis-server did not start"
                await asyncio.sleep(0.05)
        config: dict[str, str] = {}
        for name in ("appendonly", "appendfsync", "maxmemory-policy", "bind"):
            config.update(await client.config_get(name))
        assert config["appendonly"] == "yes"
        assert config["appendfsync"] == "everysec"
        assert config["maxmemory-policy"] == "noeviction"
        assert config["bind"].startswith("127.0.0.1")
    finally:
        await client.aclose()
        process.terminate()
        process.wait(10)
