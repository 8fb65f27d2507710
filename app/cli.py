"""``simrs-bridge``: the command line of the daemon and of its operators.

Each subcommand lives in ``app/commands/<name>.py`` with a ``register``
function; this module only wires them up and enforces the contract every
command shares (DESIGN.md, CLI): errors are one line on stderr and a non-zero
exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
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
)
from app.commands.base import CommandError
from core.errors import BridgeError

__all__ = ["build_parser", "main"]

logger = logging.getLogger(__name__)

_COMMANDS = (check, daemon, queue, dashboard, bpjs, sirs, beds, reconcile, report)


class _Parser(argparse.ArgumentParser):
    """argparse prints usage plus the error; the CLI contract is one line on stderr."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="simrs-bridge",
        description="Keeps BPJS Antrean RS and Kemenkes RS Online in step with SIMRS Khanza.",
    )
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
    except (BridgeError, CommandError) as exc:
        print(f"simrs-bridge: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
