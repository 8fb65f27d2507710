"""Entry point of ``python -m sandbox.fake_bpjs``; the work is in ``cli.main``."""

from __future__ import annotations

from sandbox.fake_bpjs.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    main()
