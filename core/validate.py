"""Every rule a daemon checks its settings against before it starts, in one function.

``simrs-bridge check`` and the three daemons (worker, producer, dashboard) all
call ``validate``, so ``check`` can never pass settings a daemon then refuses:
a rule added here is enforced by both at once. Pydantic already refused what
it can see in one field (types, ranges, URLs); these are the rules that need
more than one field, the preset tables, or the raw names in the environment.

A ``Problem`` is fatal (the daemon exits with ``exitcodes.CONFIG``) or a
warning (logged once at start). Unknown ``SIMRS_BRIDGE_*`` names are only a
warning for the daemons, because after a rollback the env file may hold a
setting the older release does not know and the service must still start;
``check`` fails on them, since a misspelt name is a setting the operator thinks
is in force and is not.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values
from pydantic import SecretStr

from core.errors import ConfigError
from core.khanza.options import khanza_options
from core.settings import ENV_PREFIX, DatabaseUrl, Settings, env_file_path

__all__ = ["PLACEHOLDER", "Problem", "known_names", "require_valid", "validate"]

logger = logging.getLogger(__name__)

PLACEHOLDER = "CHANGE-ME"  # what deploy/env.example puts where a value must be edited

# Names read from the environment that are not fields of Settings: the env file's path, and
# deploy/install.sh's own knobs (an operator may have them exported in the same shell).
_EXTRA_NAMES = frozenset({ENV_PREFIX + "ENV_FILE", ENV_PREFIX + "ROOT", ENV_PREFIX + "PIP_ARGS"})


@dataclass(frozen=True)
class Problem:
    setting: str
    message: str
    fatal: bool = True

    def __str__(self) -> str:
        return f"{self.setting}: {self.message}"


def known_names() -> frozenset[str]:
    return frozenset(ENV_PREFIX + name.upper() for name in Settings.model_fields) | _EXTRA_NAMES


def _from_config_error(exc: ConfigError) -> Problem:
    setting, sep, message = str(exc).partition(": ")
    return Problem(setting, message) if sep else Problem("settings", str(exc))


def _khanza_rules(settings: Settings) -> list[Problem]:
    """Task sources and payers: exactly what the producer parses (``khanza_options``)."""
    try:
        khanza_options(settings)
    except ConfigError as exc:
        return [_from_config_error(exc)]
    return []


def _placeholders(settings: Settings) -> list[Problem]:
    found = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            text = value.get_secret_value()
        elif isinstance(value, DatabaseUrl):
            text = value.render(reveal=True)
        else:
            text = str(value)
        if PLACEHOLDER.lower() in text.lower():
            found.append(Problem(ENV_PREFIX + name.upper(),
                                 f"still has the placeholder {PLACEHOLDER} from the template; "
                                 "put the real value in the env file"))
    return found


def _dashboard_rules(settings: Settings) -> list[Problem]:
    if settings.dashboard_require_token_for_reads and not settings.dashboard_token:
        return [Problem(ENV_PREFIX + "DASHBOARD_TOKEN",
                        f"required when {ENV_PREFIX}DASHBOARD_REQUIRE_TOKEN_FOR_READS is true")]
    return []


def _unknown_names(environ: Mapping[str, str], env_file: Path | None) -> list[Problem]:
    known = known_names()
    seen: dict[str, str] = {}
    for name in environ:
        if name.startswith(ENV_PREFIX):
            seen.setdefault(name, "the environment")
    if env_file is not None:
        try:
            names = list(dotenv_values(env_file))
        except OSError:
            names = []  # unreadable: load_settings has said so already
        for name in names:
            if name.upper().startswith(ENV_PREFIX):
                seen.setdefault(name, str(env_file))
    problems = []
    for name, where in sorted(seen.items()):
        if name.upper() in known:
            continue
        close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}?" if close else ""
        problems.append(Problem(name, f"unknown setting in {where}, ignored{hint}",
                                fatal=False))
    return problems


def validate(settings: Settings, *, environ: Mapping[str, str] | None = None,
             env_file: Path | None = None, read_env_file: bool = True) -> list[Problem]:
    """Every problem with these settings, fatal ones first.

    ``environ`` and ``env_file`` default to what ``load_settings`` read.
    """
    env = os.environ if environ is None else environ
    path = env_file if env_file is not None else (env_file_path() if read_env_file else None)
    problems = [*_khanza_rules(settings), *_placeholders(settings),
                *_dashboard_rules(settings), *_unknown_names(env, path)]
    return sorted(problems, key=lambda p: not p.fatal)


def require_valid(settings: Settings) -> None:
    """For the daemons: log each warning, raise ``ConfigError`` for the first fatal problem."""
    problems = validate(settings)
    for problem in problems:
        if not problem.fatal:
            logger.warning("%s", problem)
    fatal = [p for p in problems if p.fatal]
    if fatal:
        raise ConfigError(str(fatal[0]))
