"""``simrs-bridge``: the command line of the daemon and of its operators.

Each subcommand lives in ``app/commands/<name>.py`` with a ``register``
function; this module only wires them up and enforces the contract every
command shares (DESIGN.md, CLI): errors are one line on stderr and a non-zero
exit code (``core.exitcodes``), never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import NoReturn

from app.commands.base import CommandError
from core import exitcodes
from core.errors import BridgeError, UnavailableError

__all__ = ["build_parser", "main"]

# Command -> the module in app/commands that registers it. Only the module of the command
# being run is imported: the worker and producer then do not carry the dashboard's
# templates, the WS RS or the Prometheus client (about 5 MB of resident memory each
# process, measured with ``python -c 'import ...'``). Help and unknown commands load all.
_COMMANDS: dict[str, str] = {
    "check": "check",
    "worker": "daemon",
    "producer": "daemon",
    "migrate": "daemon",
    "enqueue": "queue",
    "dead-letters": "queue",
    "dashboard": "dashboard",
    "bpjs": "bpjs",
    "sirs": "sirs",
    "beds": "beds",
    "reconcile": "reconcile",
    "report": "report",
    "wsrs": "wsrs",
}


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


def _modules_for(argv: Sequence[str]) -> list[str]:
    """The command modules to load: the named command's alone, else every one (for help)."""
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    if command in _COMMANDS:
        return [_COMMANDS[command]]
    return list(dict.fromkeys(_COMMANDS.values()))


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``'s command; with ``argv=None`` the parser of every command."""
    parser = _Parser(
        prog="simrs-bridge",
        description="Keeps BPJS Antrean RS and Kemenkes RS Online in step with SIMRS Khanza.",
    )
    parser.add_argument("--version", action="version", version=f"simrs-bridge {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _modules_for(() if argv is None else argv):
        importlib.import_module(f"app.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    args = build_parser(words).parse_args(words)
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
