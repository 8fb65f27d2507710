"""Log set-up and the masking rules every log line obeys.

Logs go to stdout as one line per event, each starting with its time in the
hospital's zone with the offset (``2025-01-15T08:00:01.250+07:00``): journald
adds its own timestamp, but in the host's zone, and a line copied into a
ticket or read from ``--output cat`` must still say when it happened. Two rules
hold for every line, whatever module wrote it:

* configured secrets never appear: a filter replaces each one with
  ``**********`` as a last line of defence behind code that never logs them;
* patient identifiers (NIK, BPJS card number, phone, medical-record number)
  are masked by ``core.masking.mask`` where code logs them on purpose.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from core.masking import hide_secrets, ordered_secrets

__all__ = ["SecretFilter", "ZonedFormatter", "setup_logging"]


class SecretFilter(logging.Filter):
    """Replaces known secret values in the final message text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = ordered_secrets(secrets, min_length=4)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        cleaned = hide_secrets(message, self._secrets)
        if record.exc_info and record.exc_info[1] is not None:
            exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = hide_secrets(exc_text, self._secrets)
            record.exc_info = None
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


class ZonedFormatter(logging.Formatter):
    """ISO 8601 times with the offset of the given zone, never the host's."""

    def __init__(self, fmt: str, zone: ZoneInfo) -> None:
        super().__init__(fmt)
        self.zone = zone

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        del datefmt
        return datetime.fromtimestamp(record.created, self.zone).isoformat(
            timespec="milliseconds")


def setup_logging(level: str, secrets: Iterable[str] = (),
                  zone: ZoneInfo | None = None) -> None:
    """Configure the root logger once per process; ``zone`` is the hospital's."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(ZonedFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                        zone or ZoneInfo("UTC")))
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
