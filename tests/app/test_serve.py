"""The dashboard and the WS RS are served the same way: listen, announce, stop on a signal.

Each is checked in-process on a real socket; the signal is a real SIGHUP to
this process, which ``core.systemd`` handles while ``serve`` runs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket

import aiohttp
import pytest
from aiohttp import web

from app.serve import serve
from core.errors import ConfigError
from core.systemd import EXIT_RELOAD


async def _hello(request: web.Request) -> web.Response:
    return web.Response(text="hello")


def _app() -> web.Application:
    app = web.Application()
    app.router.add_get("/base/", _hello)
    return app


async def _healthy() -> None:
    return None


async def test_serves_announces_the_url_and_exits_for_a_restart_on_sighup() -> None:
    urls: list[str] = []
    served = asyncio.create_task(serve(
        _app(), name="test", host="127.0.0.1", port=0, setting="SOME_SETTING",
        health=_healthy, announce=urls.append, path="/base/",
    ))
    for _ in range(200):
        if urls or served.done():
            break
        await asyncio.sleep(0.01)
    [url] = urls
    assert url.startswith("http://127.0.0.1:") and url.endswith("/base/")
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        assert (answer.status, await answer.text()) == (200, "hello")

    os.kill(os.getpid(), signal.SIGHUP)
    assert await asyncio.wait_for(served, timeout=10) == EXIT_RELOAD
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(url)


async def test_a_port_in_use_names_the_setting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        announced: list[str] = []
        with pytest.raises(ConfigError, match=f"SOME_SETTING: cannot listen on 127.0.0.1:{port}"):
            await serve(_app(), name="test", host="127.0.0.1", port=port,
                        setting="SOME_SETTING", health=_healthy, announce=announced.append)
        assert announced == []
