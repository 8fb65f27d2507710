"""The demo's guided tour: the states the dashboard can show that a quiet day never reaches.

While the hospital day runs, the tour (1) has the SIMRS push today's oxygen report into
the inbox, the real path, and waits until RS Online accepted it; (2) makes the fake BPJS
fail every request (its ``/_fake/faults`` knob, as a real outage would: HTTP 503) until the
circuit breaker opens, then heals it and waits for the probe to close the circuit again.
Each step prints one ``demo:`` line, so the operator watching the dashboard knows what
they are looking at. It reads what it reports from ``/api/figures``, like the page.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp
from redis.asyncio import Redis

from core.keys import INBOX_STREAM
from core.settings import Settings

__all__ = ["tour"]


async def _figures(session: aiohttp.ClientSession, dashboard: str) -> dict[str, Any]:
    async with session.get(dashboard + "api/figures") as answer:
        data: dict[str, Any] = await answer.json()
        return data


async def _until(check: Callable[[dict[str, Any]], bool], session: aiohttp.ClientSession,
                 dashboard: str, stop: asyncio.Event, within: float) -> bool:
    deadline = time.monotonic() + within
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            if check(await _figures(session, dashboard)):
                return True
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(1)
    return False


async def _faults(session: aiohttp.ClientSession, fake: str, knobs: dict[str, float]) -> None:
    async with session.put(fake + "/_fake/faults", json=knobs) as answer:
        answer.raise_for_status()


def _breaker(figures: dict[str, Any]) -> str:
    return str(figures["upstreams"]["bpjs"]["breaker"].get("state", "closed"))


async def tour(settings: Settings, dashboard: str, fake_bpjs: str, stop: asyncio.Event,
               say: Callable[[str], None], *, delay: float = 15.0) -> None:
    """Run once, ``delay`` seconds after the day starts; returns early when ``stop`` is set."""
    async with aiohttp.ClientSession() as session:
        with_stop = asyncio.create_task(stop.wait())
        await asyncio.wait({with_stop}, timeout=delay)
        with_stop.cancel()
        if stop.is_set():
            return
        today = datetime.now(settings.zone).date().isoformat()
        redis = Redis.from_url(settings.redis_url)
        try:
            event = {"kind": "oksigen", "tanggal": today, "p_cair": 120.5,
                     "p_tabung_besar": 12}
            await redis.xadd(INBOX_STREAM, {"event": json.dumps(event)})
        finally:
            await redis.aclose()
        say(f"tour: the SIMRS pushed today's oxygen report ({today}) into the inbox")
        if await _until(lambda f: any(r["kind"] == "oksigen" and str(r["tanggal"]) == today
                                      and r["current"] for r in f["reports"]),
                        session, dashboard, stop, 90):
            say("tour: RS Online accepted the daily report (dashboard: Daily reports, sent)")

        await _faults(session, fake_bpjs, {"error_rate": 1.0})
        say("tour: BPJS outage begins: the fake answers every call with HTTP 503")
        try:
            if await _until(lambda f: _breaker(f) != "closed", session, dashboard, stop, 120):
                say("tour: the BPJS circuit is OPEN: jobs wait instead of hammering BPJS "
                    "(dashboard: BPJS card)")
        finally:
            await _faults(session, fake_bpjs, {"error_rate": 0.0})
        say("tour: BPJS is back; after the cool-down one probe call is let through")
        if await _until(lambda f: _breaker(f) == "closed", session, dashboard, stop, 180):
            say("tour: the BPJS circuit closed again; the waiting jobs are being sent")
