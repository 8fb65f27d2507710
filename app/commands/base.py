"""What every subcommand shares: the handler type and the bad-input error."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from core.errors import BridgeError

__all__ = ["CommandError", "Handler", "Subparsers"]

Handler = Callable[[argparse.Namespace], Awaitable[int]]


class CommandError(BridgeError):
    """Bad input on the command line: printed as one line, exit code 2."""


class Subparsers(Protocol):
    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...
