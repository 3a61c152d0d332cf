"""`routing/` is the pure domain: no chat framework, no database, no scheduler, no web server."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROUTING = Path(__file__).resolve().parents[2] / "routing"
FORBIDDEN = ("slack_bolt", "slack_sdk", "botbuilder", "sqlalchemy", "apscheduler", "aiohttp")


def _modules() -> list[str]:
    names = []
    for path in sorted(ROUTING.rglob("*.py")):
        parts = path.relative_to(ROUTING.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_every_routing_module_is_found() -> None:
    modules = _modules()
    assert {"routing.relay", "routing.lead", "routing.usecases.pipeline"} <= set(modules)


def test_importing_all_of_routing_loads_no_framework_database_or_server() -> None:
    script = (
        "import importlib, json, sys\n"
        f"for name in {_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROUTING.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(json.loads(result.stdout))
    assert "routing" in loaded
    assert loaded.isdisjoint(FORBIDDEN), sorted(loaded & set(FORBIDDEN))


@pytest.mark.parametrize(
    "path", sorted(ROUTING.rglob("*.py")), ids=lambda p: str(p.relative_to(ROUTING.parent))
)
def test_each_routing_module_imports_only_the_standard_library_and_routing(path: Path) -> None:
    outside = {
        root
        for root in _imported_roots(path)
        if root != "routing" and root not in sys.stdlib_module_names
    }
    assert outside == set(), f"{path.name} imports {sorted(outside)}"
