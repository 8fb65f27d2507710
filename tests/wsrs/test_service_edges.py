"""Edges of the service itself: the check-in task source, the rate limit, the command,
and the layer rule (wsrs imports only core)."""

from __future__ import annotations

import ast
import asyncio
import os
import sys
from datetime import date, datetime
from pathlib import Path

import aiomysql

from core.khanza.options import PRESETS, TaskSources
from core.khanza.tasks import Events, Visit, collect_tasks

from .conftest import Wsrs, running_wsrs, wsrs_settings

REPO = Path(__file__).resolve().parents[2]
DAY = date(2025, 2, 5)


def test_checkin_source_is_task_1_for_new_and_3_for_existing_patients_on_the_visit_day(
) -> None:
    sources = TaskSources(PRESETS["wsrs"])
    arrived = datetime(2025, 2, 5, 7, 30)
    assert collect_tasks(Visit("x", arrived, pasienbaru=True, visit_day=DAY), Events(),
                         sources) == {1: arrived}
    assert collect_tasks(Visit("x", arrived, pasienbaru=False, visit_day=DAY), Events(),
                         sources) == {3: arrived}
    early = datetime(2025, 2, 4, 19, 0)  # checked in the evening before: not a task time
    assert collect_tasks(Visit("x", early, visit_day=DAY), Events(), sources) == {}
    assert TaskSources.parse("1=referensi_mobilejkn_bpjs.checkin,"
                             "3=referensi_mobilejkn_bpjs.checkin").source(3) == (
        "referensi_mobilejkn_bpjs.checkin")


async def test_a_client_beyond_its_burst_is_told_to_wait(
        wsrs: Wsrs, state_pool: aiomysql.Pool) -> None:
    settings = wsrs_settings(wsrs.service.settings, wsrs_burst=60, wsrs_rate=0.001)
    async with running_wsrs(settings, None) as limited:
        token = await limited.token()
        answers = await asyncio.gather(*(limited.post("sisaantrean", {"kodebooking": "X1"},
                                                      token) for _ in range(70)))
    messages = [a["metadata"]["message"] for a in answers]
    assert messages.count("Data Booking tidak ditemukan") == 59  # 60 minus the token call
    assert messages.count("Terlalu banyak permintaan, silakan coba lagi sebentar") == 11


async def test_metrics_on_the_service_listener(wsrs: Wsrs) -> None:
    await wsrs.post("sisaantrean", {"kodebooking": "X1"})
    response = await wsrs.client.get("/metrics")
    text = await response.text()
    assert 'simrs_bridge_wsrs_calls_total{code="201",endpoint="sisaantrean"} 1.0' in text
    assert 'simrs_bridge_wsrs_calls_total{code="200",endpoint="auth"} 1.0' in text


async def test_the_command_refuses_to_start_without_its_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMRS_BRIDGE_")}
    env.update(SIMRS_BRIDGE_ENV_FILE="", SIMRS_BRIDGE_WSRS_PASSWORD="x")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "wsrs", cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert err.decode().strip() == ("simrs-bridge: SIMRS_BRIDGE_WSRS_TOKEN_KEY: the token key "
                                    "must have at least 32 characters")


def test_wsrs_imports_only_core() -> None:
    for path in (REPO / "wsrs").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                top = name.split(".")[0]
                assert top not in {"producers", "worker", "app", "sandbox"}, (path, name)
