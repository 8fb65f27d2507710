"""The package layout is the architecture: enforce the import direction between layers.

Modelled on aiohttp's ``tests/test_circular_imports.py``: every module is imported
alone in a fresh interpreter, so an import cycle or a module that only works
because something else was imported first fails here, not in production. On top,
the layer rules of ``docs/architecture.md`` are checked statically:

    app/ ──▶ producers/  worker/  wsrs/ ──▶ core/

``core`` imports none of the others; ``producers``, ``worker`` and ``wsrs`` import
only ``core`` (never each other); ``app`` may import everything. ``sandbox`` (the
fakes and private servers) is for tests, the demo and benchmarks only: no layer
imports it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

LAYERS: dict[str, frozenset[str]] = {
    "core": frozenset({"core"}),
    "producers": frozenset({"core", "producers"}),
    "worker": frozenset({"core", "worker"}),
    "wsrs": frozenset({"core", "wsrs"}),
    "app": frozenset({"core", "producers", "worker", "wsrs", "app"}),
}
PROJECT = frozenset(LAYERS) | {"sandbox"}


def _modules(package: str) -> list[str]:
    names = []
    for path in sorted((REPO / package).rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_each_layer_imports_only_the_layers_below(layer: str) -> None:
    wrong = []
    for path in sorted((REPO / layer).rglob("*.py")):
        for line, name in _imports(path):
            top = name.split(".")[0]
            if name.startswith("."):
                wrong.append(f"{path.relative_to(REPO)}:{line}: relative import {name}")
            elif top in PROJECT and top not in LAYERS[layer]:
                wrong.append(f"{path.relative_to(REPO)}:{line}: {name}")
    assert not wrong, f"{layer}/ may import only {sorted(LAYERS[layer])}:\n" + "\n".join(wrong)


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    """The checker itself: a core module importing the worker is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("from worker.services import Services\nimport producers.loop\n")
    tops = [name.split(".")[0] for _, name in _imports(bad)]
    assert [t for t in tops if t in PROJECT and t not in LAYERS["core"]] == [
        "worker", "producers"]


MODULES = [m for layer in sorted(LAYERS) for m in _modules(layer)]


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports_alone(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
