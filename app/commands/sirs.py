"""``simrs-bridge sirs``: ops probes against the configured RS Online server.

``get`` and ``send`` call the server once through the daemon's own client
(same headers, same envelope rules) and print the decoded answer, so staff can
see exactly what Kemenkes holds or says. ``report`` sends one daily report
from a JSON file after validating it with the daemon's model, upserting by
``tanggal`` like the worker does. Bad input is one line naming what is wrong.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.commands.base import CommandError, Subparsers
from core.settings import load_settings
from core.sirs.models import REPORTS, explain
from worker.sirs.client import ENVELOPE_KEYS, SirsClient
from worker.sirs.endpoints import RsOnline

__all__ = ["register"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RESOURCES = {name.lower(): name for name in ENVELOPE_KEYS}


def _resource(raw: str) -> str:
    name = _RESOURCES.get(raw.strip().strip("/").lower())
    if name is None:
        raise CommandError(f"unknown resource {raw!r}; one of: {', '.join(ENVELOPE_KEYS)}")
    return name


def _tanggal(raw: str | None) -> date | None:
    if raw is None:
        return None
    try:
        if not _DATE.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--tanggal must be a date yyyy-mm-dd, got {raw!r}") from None


def _json_object(text: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(value, dict):
        raise CommandError(f"{where}: must be a JSON object")
    return value


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _print(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


async def _get(args: argparse.Namespace) -> int:
    resource = _resource(args.resource)
    tanggal = _tanggal(args.tanggal)
    body = _json_object(args.json, "--json") if args.json is not None else None
    async with SirsClient.from_settings(load_settings()) as client:
        answer = await client.call("GET", resource, body=body, tanggal=tanggal)
    _print(answer.document)
    return 0


async def _send(args: argparse.Namespace) -> int:
    resource = _resource(args.resource)
    body = _json_object(args.json, "--json")
    headers: dict[str, str] = {}
    if resource == "Fasyankes" and args.method in ("PUT", "DELETE") and not body.get("id_t_tt"):
        raise CommandError(
            f"{args.method} Fasyankes needs \"id_t_tt\" in --json (without it the server "
            "answers 200 and changes nothing); get it with: simrs-bridge sirs get Fasyankes"
        )
    if resource in ("Fasyankes/sdm", "Fasyankes/apd") and args.method == "DELETE":
        if not body.get("id_kebutuhan"):
            raise CommandError(f"DELETE {resource} needs \"id_kebutuhan\" in --json")
        headers["Id_kebutuhan"] = str(body["id_kebutuhan"])
    async with SirsClient.from_settings(load_settings()) as client:
        answer = await client.call(args.method, resource, body=body, headers=headers)
    _print(answer.document)
    return 0


async def _report(args: argparse.Namespace) -> int:
    _, model = REPORTS[args.kind]
    data = _json_object(_read(args.file), args.file)
    try:
        report = model.model_validate(data)
    except ValidationError as exc:
        raise CommandError(f"{args.file}: {explain(exc)}") from None
    async with RsOnline.from_settings(load_settings()) as api:
        result = await api.send_daily_report(args.kind, report)
    _print({"kind": args.kind, "tanggal": report.tanggal.isoformat(), **result.model_dump()})
    return 0


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("sirs", help="probe Kemenkes RS Online (SIRS Online V3)")
    commands = parser.add_subparsers(dest="sirs_command", metavar="ACTION", required=True)

    get = commands.add_parser("get", help="GET a resource and print the answer")
    get.add_argument("resource", help="e.g. Fasyankes, Referensi/tempat_tidur, Logistik/oksigen")
    get.add_argument("--tanggal", help="yyyy-mm-dd, sent as x-tanggal (date-keyed reports)")
    get.add_argument("--json", help="JSON body for GETs that take one (Pasien/shk, Antrian)")
    get.set_defaults(handler=_get)

    send = commands.add_parser("send", help="POST/PUT/DELETE a JSON body once")
    send.add_argument("resource")
    send.add_argument("--method", required=True, choices=("POST", "PUT", "DELETE"),
                      type=str.upper)
    send.add_argument("--json", required=True, help="the request body, a JSON object")
    send.set_defaults(handler=_send)

    report = commands.add_parser("report", help="validate and upsert one daily report")
    report.add_argument("kind", choices=tuple(REPORTS))
    report.add_argument("--file", required=True, help="JSON file with the report ('-': stdin)")
    report.set_defaults(handler=_report)
