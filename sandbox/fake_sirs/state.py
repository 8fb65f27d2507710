"""``FakeSirs``: the whole server, and the one dispatch every RS Online request goes through.

Dispatch answers the way RS Online does: an unknown resource is a CodeIgniter
HTML 404, a wrong login is "Gagal Login" inside HTTP 200, an application
error is a status row inside HTTP 200.
"""

from __future__ import annotations

import json

from aiohttp import web

from sandbox.fake_sirs.beds import BedResources
from sandbox.fake_sirs.config import KEYS, NOT_FOUND_PAGE, REPORT_FIELDS
from sandbox.fake_sirs.records import RecordResources
from sandbox.fake_sirs.store import Refusal, Seen

__all__ = ["FAKE_SIRS_KEY", "FakeSirs"]


class FakeSirs(BedResources, RecordResources):
    """The server's whole state plus the handlers that change it."""

    # --- dispatch -------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        resource = request.match_info["resource"].strip("/")
        key = KEYS.get(resource)
        if key is None:
            return web.Response(status=404, text=NOT_FOUND_PAGE, content_type="text/html")
        raw = await request.read()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = None
        form = self.check_login(request)
        headers = {k: ("<set>" if k.lower() == "x-pass" else v) for k, v in request.headers.items()}
        self.seen.append(Seen(request.method, resource, headers, form or "wrong", body))
        if form is None:
            login = json.dumps({"response": "Gagal Login"})
            return web.json_response({key: [{"status": 401, "message": login}]})
        handler = getattr(self, f"_{request.method.lower()}_{_slug(resource)}", None)
        if handler is None:
            return web.Response(status=404, text=NOT_FOUND_PAGE, content_type="text/html")
        try:
            if not isinstance(body, dict):
                raise Refusal("400", "Format JSON tidak valid")
            rows, http_status = handler(request, resource, body)
        except Refusal as exc:
            rows, http_status = [{"status": exc.status, "message": exc.message}], 200
        return web.json_response({key: rows}, status=http_status)


def _slug(resource: str) -> str:
    if resource in REPORT_FIELDS:
        return "report"
    if resource in ("Fasyankes/sdm", "Fasyankes/apd"):
        return "fasyankes_kebutuhan"
    return resource.lower().replace("/", "_")


FAKE_SIRS_KEY = web.AppKey("fake_sirs", FakeSirs)
