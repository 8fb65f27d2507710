"""The shared exchange: every transport failure becomes a RetryableError with a reason."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from core.errors import Outcome, RetryableError
from sandbox.faults import FAULTS_KEY, install, serve
from sandbox.services import free_port
from worker.bpjs.client import BpjsClient
from worker.http import decode_json, exchange, new_session
from worker.sirs.client import SirsClient


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.json_response({"method": request.method, "body": body.decode()})


async def _text(request: web.Request) -> web.Response:
    kind = request.match_info["kind"]
    if kind == "html":
        return web.Response(text="<html><head><title>Maintenance</title></head></html>",
                            content_type="text/html")
    if kind == "empty":
        return web.Response(text="")
    if kind == "broken":
        return web.Response(text='{"metadata": {', content_type="application/json")
    return web.Response(text="plain words")


@pytest.fixture
async def server() -> AsyncIterator[tuple[web.Application, str]]:
    app = web.Application()
    install(app)
    app.router.add_route("*", "/echo", _echo)
    app.router.add_get("/text/{kind}", _text)
    runner, base = await serve(app)
    yield app, base
    await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with new_session(2.0) as client:
        yield client


async def test_get_and_delete_carry_a_body(server: tuple[web.Application, str],
                                           session: aiohttp.ClientSession) -> None:
    _, base = server
    for method in ("GET", "DELETE", "POST"):
        answer = await exchange(session, method, base + "/echo", service="sirs",
                                headers={"Content-Type": "application/json"}, body=b'{"a":1}')
        assert decode_json(answer, service="sirs") == {"method": method, "body": '{"a":1}'}


@pytest.mark.parametrize(
    ("knob", "reason"),
    [
        ("error_rate", "HTTP 503"),
        ("throttle_rate", "HTTP 429"),
        ("reset_rate", "server closed the connection"),
        ("timeout_rate", "no answer within 2 s"),
    ],
)
async def test_faults_are_retryable_with_a_reason(
    server: tuple[web.Application, str], session: aiohttp.ClientSession, knob: str, reason: str
) -> None:
    app, base = server
    app[FAULTS_KEY].update({knob: 1.0, "hang": 5})
    with pytest.raises(RetryableError) as caught:
        await exchange(session, "POST", base + "/echo", service="bpjs", headers={}, body=b"{}")
    assert caught.value.outcome is Outcome.RETRY
    assert reason in str(caught.value)
    assert "/echo" in str(caught.value)


async def test_html_page_is_not_success(server: tuple[web.Application, str],
                                        session: aiohttp.ClientSession) -> None:
    app, base = server
    app[FAULTS_KEY].update({"html_rate": 1.0})
    answer = await exchange(session, "POST", base + "/echo", service="bpjs", headers={}, body=b"{}")
    assert answer.status == 200
    with pytest.raises(RetryableError, match=r"HTML page \(502 Bad Gateway\)"):
        decode_json(answer, service="bpjs")


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("html", "HTML page (Maintenance)"), ("empty", "empty body"),
     ("broken", "malformed JSON"), ("plain", "non-JSON body (plain words)")],
)
async def test_bodies_that_are_not_json(
    server: tuple[web.Application, str], session: aiohttp.ClientSession, kind: str, reason: str
) -> None:
    _, base = server
    answer = await exchange(session, "GET", f"{base}/text/{kind}", service="sirs", headers={})
    with pytest.raises(RetryableError) as caught:
        decode_json(answer, service="sirs")
    assert reason in str(caught.value)


async def test_connection_refused(session: aiohttp.ClientSession) -> None:
    with pytest.raises(RetryableError, match="cannot connect"):
        await exchange(session, "GET", f"http://127.0.0.1:{free_port()}/x", service="bpjs",
                       headers={})


async def test_clients_close_the_session_they_made_but_not_a_shared_one() -> None:
    async with new_session(2.0) as shared:
        async with SirsClient(base_url="http://127.0.0.1:9", rs_id="1", password=SecretStr("p"),
                              session=shared):
            pass
        assert not shared.closed
    async with BpjsClient(consid="1", secret="s", user_key="u",
                          base_url="http://127.0.0.1:9") as bpjs:
        made = bpjs._session
        assert made is not None and not made.closed
    assert made.closed and bpjs._session is None
