"""Entry point of ``python -m sandbox.fake_sirs``; the work is in ``cli.main``."""

from __future__ import annotations

from sandbox.fake_sirs.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    main()
