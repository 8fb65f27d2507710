"""The command line loads only the running command's module, and still knows every command."""

from __future__ import annotations

import argparse
import subprocess
import sys

from app import cli


def _choices(parser: argparse.ArgumentParser) -> set[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_the_command_table_names_every_registered_command() -> None:
    assert _choices(cli.build_parser()) == set(cli._COMMANDS)


def test_each_command_parses_with_only_its_own_module_loaded() -> None:
    for command in cli._COMMANDS:
        assert command in _choices(cli.build_parser([command, "--help"]))


def test_the_worker_does_not_import_the_dashboard_or_the_web_service() -> None:
    probe = ("import sys; from app import cli; cli.build_parser(['worker']); "
             "print(sorted(m for m in ('jinja2', 'app.dashboard.app', 'wsrs.app', "
             "'prometheus_client') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"
    everything = probe.replace("['worker']", "")
    loaded = subprocess.run([sys.executable, "-c", everything], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert "jinja2" in loaded
