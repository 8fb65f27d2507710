"""``simrs-bridge bpjs ...``: the BPJS tools hospital IT reaches for when something is off.

* ``decrypt`` turns a captured ``response`` (base64 on stdin, or the whole
  envelope) into the JSON text BPJS meant, given the consid, secret and the
  request's X-timestamp;
* ``signature`` prints the X-signature for a consid/secret/timestamp, to
  compare with what another system sent;
* ``get PATH`` / ``post PATH --json BODY`` call the configured server once
  through ``BpjsClient`` and print ``{"metadata": ..., "response": ...}`` with
  the response decrypted.

Exit codes: 0 when BPJS answered with a success (including 208 duplicates);
1 when the call reached BPJS (or failed on the way) and was not a success — the
metadata and outcome are printed on stdout so scripts can read them, with one
line on stderr; 2 for bad input or configuration (``CommandError`` /
``ConfigError``, printed by ``app.cli``). Keeping "BPJS said no" apart from
"you typed it wrong" lets a cron probe alert on the right thing.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from app.commands.base import CommandError, Subparsers
from core.errors import UpstreamError
from core.settings import load_settings
from worker.bpjs import crypto
from worker.bpjs.client import BpjsClient, BpjsResult

__all__ = ["register"]


def _code(code: str | None) -> int | str | None:
    return int(code) if code is not None and code.isdigit() else code


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _ciphertext(text: str) -> str:
    """The base64 ``response``: either the raw text or taken from a pasted envelope."""
    text = text.strip()
    if not text:
        raise CommandError("no ciphertext on stdin (pipe the base64 'response' field)")
    if text.startswith("{"):
        try:
            envelope = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"stdin looks like JSON but is not valid: {exc.msg}") from None
        response = envelope.get("response") if isinstance(envelope, dict) else None
        if not isinstance(response, str) or not response:
            raise CommandError("the JSON on stdin has no encrypted 'response' string")
        return response
    return text


async def _decrypt(args: argparse.Namespace) -> int:
    ciphertext = _ciphertext(sys.stdin.read())
    try:
        plain = crypto.decrypt(args.consid, args.secret, args.timestamp, ciphertext)
    except (crypto.DecryptionError, ValueError):
        raise CommandError(
            "cannot decrypt: not valid base64 ciphertext for this --consid/--secret/--timestamp "
            "(the timestamp must be the X-timestamp of the request that got this response)"
        ) from None
    sys.stdout.write(plain + "\n")
    return 0


async def _signature(args: argparse.Namespace) -> int:
    print(crypto.signature(args.consid, args.secret, args.timestamp))
    return 0


async def _call(args: argparse.Namespace) -> int:
    body: Any = None
    if args.action == "post":
        text = sys.stdin.read() if args.json == "-" else args.json
        try:
            body = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"--json is not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
            ) from None
    settings = load_settings()
    method = "POST" if args.action == "post" else "GET"
    quiet = _Quiet(logging.getLogger("worker.bpjs.client"))
    try:
        with quiet:
            async with BpjsClient.from_settings(settings) as client:
                result: BpjsResult = await (
                    client.post(args.path, body) if method == "POST" else client.get(args.path)
                )
    except UpstreamError as exc:
        # The client prefixes "METHOD path: "; stdout shows BPJS's own words.
        message = exc.message.removeprefix(f"{method} {args.path.strip('/')}: ")
        _print_json({"metadata": {"code": _code(exc.code), "message": message},
                     "outcome": exc.outcome.value})
        print(f"simrs-bridge: {exc}", file=sys.stderr)
        return 1
    _print_json({"metadata": {"code": _code(result.code), "message": result.message},
                 "response": result.data, "outcome": result.outcome.value})
    return 0


class _Quiet:
    """Keeps the client's per-call log line off stdout/stderr: the command prints the answer.

    Without it, Python's last-resort handler would print the warning line next to ours
    (or, once logging is configured to stdout, mix log text into the JSON).
    """

    def __init__(self, target: logging.Logger) -> None:
        self._target = target
        self._handler = logging.NullHandler()
        self._propagate = target.propagate

    def __enter__(self) -> None:
        self._target.addHandler(self._handler)
        self._target.propagate = False

    def __exit__(self, *exc: object) -> None:
        self._target.removeHandler(self._handler)
        self._target.propagate = self._propagate


def _keys(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--consid", required=True, help="consumer id (X-cons-id)")
    parser.add_argument("--secret", required=True, help="consumer secret")
    parser.add_argument("--timestamp", required=True, help="the request's X-timestamp")


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "bpjs", help="BPJS Antrean RS tools: decrypt, signature, get, post",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="BPJS tools for when something is off: decrypt a captured response, "
        "print an X-signature, or call the configured server once.",
        epilog="exit codes: 0 BPJS answered with a success (208 duplicates included); 1 the "
        "call reached BPJS (or failed on the way) and was not a success, metadata on stdout; "
        "2 bad input or configuration.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    decrypt = actions.add_parser("decrypt", help="decrypt a captured response read from stdin")
    _keys(decrypt)
    decrypt.set_defaults(handler=_decrypt)

    signature = actions.add_parser("signature", help="print the X-signature")
    _keys(signature)
    signature.set_defaults(handler=_signature)

    get = actions.add_parser("get", help="GET a path of the configured BPJS server once")
    get.add_argument("path", help="path after the base URL, e.g. ref/poli")
    get.set_defaults(handler=_call)

    post = actions.add_parser("post", help="POST a JSON body to the configured BPJS server once")
    post.add_argument("path", help="path after the base URL, e.g. antrean/getlisttask")
    post.add_argument("--json", required=True, help="the JSON body, or - to read it from stdin")
    post.set_defaults(handler=_call)
