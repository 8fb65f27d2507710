"""A fake Kemenkes RS Online (SIRS Online V3) server for tests, benchmarks and the demo.

It reproduces what reference/sirs-online.md documents, including the awkward
parts a client must cope with: application errors inside HTTP 200, the
"Gagal Login" row whose message is itself JSON, placeholder bed rows for
unregistered types, ``id_t_tt`` assignment, "sudah ada" on a duplicate POST,
"Data id_t_tt X bagi kode rs Y tidak ditemukan" for unknown ids, a PUT without
``id_t_tt`` that answers 200 and stores nothing, date-keyed upserts with the
``x-tanggal`` filter, SHK ids and the Antrian KPI. Its field lists are written
out here from the guide on purpose, not imported from the client, so that a
misspelt field in the client is refused. Message texts the real service does
not publish are invented but contain the fragments real clients match on.

State lives in a ``FakeSirs`` object (``app[FAKE_SIRS_KEY]``) that tests read
directly; ``/_fake/...`` exposes the same over HTTP.
"""

from __future__ import annotations

from sandbox.fake_sirs.app import RunningFakeSirs, create_app, start
from sandbox.fake_sirs.cli import main
from sandbox.fake_sirs.config import FakeSirsConfig
from sandbox.fake_sirs.state import FAKE_SIRS_KEY, FakeSirs
from sandbox.fake_sirs.store import Seen

__all__ = [
    "FAKE_SIRS_KEY",
    "FakeSirs",
    "FakeSirsConfig",
    "RunningFakeSirs",
    "Seen",
    "create_app",
    "main",
    "start",
]
