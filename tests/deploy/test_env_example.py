"""deploy/env.example documents every setting, and its active lines are valid settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.settings import ENV_PREFIX, Settings, load_settings

from .conftest import REPO

TEMPLATE = REPO / "deploy" / "env.example"
ASSIGNMENT = re.compile(r"^#?\s*(SIMRS_BRIDGE_[A-Z0-9_]+)=(.*)$")


def assignments() -> list[tuple[str, str, bool]]:
    found = []
    for line in TEMPLATE.read_text().splitlines():
        match = ASSIGNMENT.match(line)
        if match:
            found.append((match.group(1), match.group(2), not line.startswith("#")))
    return found


def test_every_setting_is_documented_once() -> None:
    names = [name for name, _, _ in assignments()]
    expected = {ENV_PREFIX + field.upper() for field in Settings.model_fields}
    missing = expected - set(names)
    assert not missing, f"add these to deploy/env.example: {sorted(missing)}"
    assert not set(names) - expected, "env.example names settings that do not exist"
    assert len(names) == len(set(names)), "a setting appears twice"


def test_commented_defaults_are_the_real_defaults(clean_env: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    shown = {n: v for n, v, active in assignments() if not active}
    env = tmp_path / "env"
    env.write_text("".join(f"{n}={v}\n" for n, v in shown.items()))
    from_template = load_settings(env)
    defaults = Settings()
    for name in shown:
        field = name.removeprefix(ENV_PREFIX).lower()
        assert getattr(from_template, field) == getattr(defaults, field), name


def test_the_template_loads_once_edited(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Only the CHANGE-ME placeholders need editing; the rest of the file must already parse.
    env = tmp_path / "env"
    env.write_text(TEMPLATE.read_text().replace("CHANGE-ME", "x1234"))
    settings = load_settings(env)
    assert settings.bpjs_base_url.startswith("https://apijkn.bpjs-kesehatan.go.id")
    assert settings.dashboard_host == "127.0.0.1"
