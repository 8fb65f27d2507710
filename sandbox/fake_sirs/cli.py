"""``python -m sandbox.fake_sirs``: the fake with the sandbox credentials of ``Settings``."""

from __future__ import annotations

import argparse
import asyncio
import logging

from sandbox.fake_sirs.app import start
from sandbox.fake_sirs.config import FakeSirsConfig

__all__ = ["main"]

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> None:
    """``python -m sandbox.fake_sirs --port 8182``: the fake with the sandbox credentials."""
    from core.settings import Settings

    fields = Settings.model_fields
    rs_id = str(fields["sirs_rs_id"].default)
    password = fields["sirs_password"].default.get_secret_value()
    parser = argparse.ArgumentParser(prog="python -m sandbox.fake_sirs")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8182)
    parser.add_argument("--rs-id", default=rs_id)
    parser.add_argument("--password", default=password)
    parser.add_argument("--base-path", default="/fo/index.php")
    parser.add_argument("--accept-md5", action="store_true")
    args = parser.parse_args(argv)
    config = FakeSirsConfig(rs_id=args.rs_id, password=args.password,
                            base_path=args.base_path, accept_md5=args.accept_md5)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    async def run() -> None:
        fake = await start(config, args.host, args.port)
        logger.info("fake RS Online listening on %s", fake.base_url)
        try:
            await asyncio.Event().wait()
        finally:
            await fake.close()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass

