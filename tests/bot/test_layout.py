"""``bot/`` keeps its shape: adapters on shelves, wired in one composition root, reaching the domain
through ``Relay`` only, with no circle in its imports."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
ROOT_MODULE = "bot.bootstrap"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(BOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports, at any depth of the file (function-level ones included),
    with its line: ``from a.b import c`` names ``a.b.c`` when that is a module, else ``a.b``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                yield (full if full in MODULES else node.module), node.lineno


def _graph() -> dict[str, set[str]]:
    return {
        name: {imported for imported, _line in _imports(path) if imported in MODULES}
        for name, path in MODULES.items()
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports, if any (depth-first search with a path stack)."""
    done: set[str] = set()
    for start in graph:
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        on_path = [start]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.pop()
                done.add(node)
            elif child in on_path:
                return [*on_path[on_path.index(child) :], child]
            elif child not in done:
                stack.append((child, iter(sorted(graph[child]))))
                on_path.append(child)
    return None


def test_bot_has_no_circle_in_its_imports() -> None:
    assert _cycle(_graph()) is None


def test_only_the_entrypoints_import_the_composition_root() -> None:
    importers = [
        name
        for name, imports in _graph().items()
        if ROOT_MODULE in imports and not name.startswith("bot.entrypoints.")
    ]
    assert importers == []


def test_no_adapter_imports_an_entrypoint() -> None:
    """Entrypoints (cli, serve, scheduler, demo) sit on top: adapters are handed what they need."""
    upward = [
        (name, imported)
        for name, imports in _graph().items()
        for imported in imports
        if imported.startswith("bot.entrypoints.") and not name.startswith("bot.entrypoints.")
    ]
    assert upward == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n != ROOT_MODULE))
def test_only_the_composition_root_reaches_into_storage(name: str) -> None:
    reached = [
        f"{imported} (line {line})"
        for imported, line in _imports(MODULES[name])
        if imported == "storage" or imported.startswith("storage.")
    ]
    assert reached == [], f"{name} imports storage; take a port from bot.baton.Stores instead"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n not in {ROOT_MODULE, "bot.baton"}))
def test_no_adapter_touches_the_database_engine(name: str) -> None:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    touched = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "engine"
    ]
    assert touched == [], f"{name} reads .engine on lines {touched}: go through the relay"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_adapter_reaches_the_domain_through_the_relay_only(name: str) -> None:
    """``routing.relay.dispatch`` skips what ``Relay.execute`` does (a dry run rolled back,
    command text made storable): the Teams preview once changed the rotation that way."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    dispatching = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module == "routing.relay"
        and any(alias.name == "dispatch" for alias in node.names)
    ]
    assert dispatching == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_loads_another_by_name(name: str) -> None:
    """``importlib`` hides an import from every graph (the Slack notifier once loaded the digest
    module that way). Reading package data (``importlib.resources``) is not loading a module."""
    source = MODULES[name].read_text(encoding="utf-8")
    assert not any(way in source for way in ("import_module(", "importlib.util", "__import__("))
