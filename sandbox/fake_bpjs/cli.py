"""``python -m sandbox.fake_bpjs``: the fake with the sandbox credentials of ``Settings``."""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from core.settings import Settings
from sandbox.fake_bpjs.app import create_app
from sandbox.fake_bpjs.config import FakeBpjsConfig

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    defaults = Settings.model_fields
    parser = argparse.ArgumentParser(prog="python -m sandbox.fake_bpjs",
                                     description="Fake BPJS Antrean RS server on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8181)
    parser.add_argument("--consid", default=defaults["bpjs_cons_id"].default)
    parser.add_argument("--secret", default=defaults["bpjs_secret"].default.get_secret_value())
    parser.add_argument("--user-key",
                        default=defaults["bpjs_user_key"].default.get_secret_value())
    parser.add_argument("--timezone", default=defaults["timezone"].default)
    parser.add_argument("--skew", type=float, default=300.0, help="clock-skew window, seconds")
    parser.add_argument("--base-path", default="/antreanrs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    config = FakeBpjsConfig(consid=args.consid, secret=args.secret, user_key=args.user_key,
                            timezone=args.timezone, skew_seconds=args.skew,
                            base_path=args.base_path)
    print(f"fake BPJS Antrean RS on http://{args.host}:{args.port}{args.base_path}", flush=True)
    web.run_app(create_app(config), host=args.host, port=args.port, access_log=None,
                print=None)

