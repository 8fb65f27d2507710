"""``simrs-bridge``: the command line of the daemon and of its operators.

Each subcommand lives in ``app/commands/<name>.py`` with a ``register``
function; this module only wires them up and enforces the contract every
command shares (DESIGN.md, CLI): errors are one line on stderr and a non-zero
exit code (``core.exitcodes``), never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import NoReturn

from app.commands import (
    beds,
    bpjs,
    check,
    daemon,
    dashboard,
    queue,
    reconcile,
    report,
    sirs,
    wsrs,
)
from app.commands.base import CommandError
from core import exitcodes
from core.errors import BridgeError, UnavailableError

__all__ = ["build_parser", "main"]

_COMMANDS = (check, daemon, queue, dashboard, bpjs, sirs, beds, reconcile, report, wsrs)


class _Parser(argparse.ArgumentParser):
    """argparse prints usage plus the error; the CLI contract is one line on stderr."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see --help)", file=sys.stderr)
        sys.exit(exitcodes.CONFIG)


def _version() -> str:
    try:
        return metadata.version("simrs-bridge")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="simrs-bridge",
        description="Keeps BPJS Antrean RS and Kemenkes RS Online in step with SIMRS Khanza.",
    )
    parser.add_argument("--version", action="version", version=f"simrs-bridge {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Ops commands print their own results; a library warning must not add stray lines to
    # the one-line error contract. Daemon commands install real logging themselves.
    logging.getLogger().addHandler(logging.NullHandler())
    try:
        return int(asyncio.run(args.handler(args)))
    except UnavailableError as exc:
        print(f"simrs-bridge: {exc}", file=sys.stderr)
        return exitcodes.UNAVAILABLE
    except (BridgeError, CommandError) as exc:
        print(f"simrs-bridge: {exc}", file=sys.stderr)
        return exitcodes.CONFIG
    except KeyboardInterrupt:
        return exitcodes.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
