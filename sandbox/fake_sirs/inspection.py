"""The ``/_fake/`` inspection API: read, preload and reset the fake's state over HTTP.

Benchmarks and the demo run the fake in another process, so they cannot read
``FakeSirs`` directly the way tests do.
"""

from __future__ import annotations

from aiohttp import web

from sandbox.fake_sirs.config import REPORT_FIELDS, REPORT_KINDS
from sandbox.fake_sirs.state import FAKE_SIRS_KEY, FakeSirs
from sandbox.fake_sirs.store import _now, _tanggal

__all__ = ["add_routes"]


def _fake(request: web.Request) -> FakeSirs:
    return request.app[FAKE_SIRS_KEY]


async def _inspect_state(request: web.Request) -> web.Response:
    fake = _fake(request)
    return web.json_response({
        "beds": fake.bed_rows(), "kebutuhan": fake.kebutuhan,
        "reports": {kind: list(fake.reports[res].values()) for kind, res in REPORT_KINDS.items()},
        "shk": {str(k): v for k, v in fake.shk.items()},
        "hasil_shk": {str(k): v for k, v in fake.hasil_shk.items()},
        "antrian": list(fake.antrian.values()), "tasks": list(fake.tasks.values()),
    })  # fmt: skip


async def _reset_state(request: web.Request) -> web.Response:
    _fake(request).reset()
    return web.json_response({"reset": True})


async def _inspect_beds(request: web.Request) -> web.Response:
    return web.json_response(_fake(request).bed_rows())


async def _preload_beds(request: web.Request) -> web.Response:
    rows = await request.json()
    fake = _fake(request)
    ids = [fake.add_bed(row) for row in (rows if isinstance(rows, list) else [rows])]
    return web.json_response({"id_t_tt": ids})


async def _remove_bed(request: web.Request) -> web.Response:
    gone = _fake(request).beds.pop(request.match_info["id_t_tt"], None)
    return web.json_response({"deleted": gone is not None}, status=200 if gone else 404)


def _report_resource(request: web.Request) -> str:
    kind = request.match_info["kind"]
    resource = REPORT_KINDS.get(kind, kind)
    if resource not in REPORT_FIELDS:
        raise web.HTTPNotFound(text=f"unknown report kind {kind}")
    return resource


async def _inspect_report(request: web.Request) -> web.Response:
    stored = _fake(request).reports[_report_resource(request)]
    return web.json_response([stored[d] for d in sorted(stored)])


async def _preload_report(request: web.Request) -> web.Response:
    stored = _fake(request).reports[_report_resource(request)]
    rows = await request.json()
    for row in rows if isinstance(rows, list) else [rows]:
        stored[_tanggal(row["tanggal"])] = {**row, "tglupdate": _now()}
    return web.json_response({"stored": len(stored)})


async def _inspect_seen(request: web.Request) -> web.Response:
    return web.json_response([vars(s) for s in _fake(request).seen])


def add_routes(app: web.Application) -> None:
    """Mount the inspection handlers under ``/_fake/``."""
    app.router.add_get("/_fake/state", _inspect_state)
    app.router.add_delete("/_fake/state", _reset_state)
    app.router.add_get("/_fake/beds", _inspect_beds)
    app.router.add_post("/_fake/beds", _preload_beds)
    app.router.add_delete("/_fake/beds/{id_t_tt}", _remove_bed)
    app.router.add_get("/_fake/reports/{kind}", _inspect_report)
    app.router.add_post("/_fake/reports/{kind}", _preload_report)
    app.router.add_get("/_fake/seen", _inspect_seen)
