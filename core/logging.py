"""Log set-up and the masking rules every log line obeys.

Logs go to stdout as one line per event (journald adds the timestamp and
unit). Two rules hold for every line, whatever module wrote it:

* configured secrets never appear: a filter replaces each one with
  ``**********`` as a last line of defence behind code that never logs them;
* patient identifiers (NIK, BPJS card number, phone, medical-record number)
  are masked by ``mask`` where code logs them on purpose, keeping the last four
  characters so that staff can still tell two patients apart.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

__all__ = ["SecretFilter", "mask", "setup_logging"]

_MASK = "**********"


def mask(value: object, keep: int = 4) -> str:
    """Mask an identifier, keeping only its last ``keep`` characters."""
    text = "" if value is None else str(value)
    if len(text) <= keep:
        return "*" * len(text)
    return "*" * (len(text) - keep) + text[-keep:]


class SecretFilter(logging.Filter):
    """Replaces known secret values in the final message text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        cleaned = message
        for secret in self._secrets:
            cleaned = cleaned.replace(secret, _MASK)
        if record.exc_info and record.exc_info[1] is not None:
            exc_text = logging.Formatter().formatException(record.exc_info)
            for secret in self._secrets:
                exc_text = exc_text.replace(secret, _MASK)
            record.exc_text = exc_text
            record.exc_info = None
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Configure the root logger once per process."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # aiohttp's access log would print every request line of the fake servers, and arq's
    # two lines per job repeat the job's own summary line.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("arq.worker").setLevel(logging.WARNING)
