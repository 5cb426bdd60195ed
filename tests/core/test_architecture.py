"""The architecture, checked: one write path, capabilities that depend on each
other in one direction only, and a core that names no capability.

These read the source (AST), so they fail the moment someone writes a row from
a view or adds an import that closes a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[2] / "portal"
BLUEPRINTS = PORTAL / "blueprints"
CAPABILITIES = sorted(p.name for p in BLUEPRINTS.iterdir() if (p / "__init__.py").exists())

# Who may use whom: capability → the capabilities it imports. A new edge is a
# design decision; add it here only if it keeps the graph acyclic.
ALLOWED_EDGES: dict[str, set[str]] = {
    "admin": {"auth"},
    "auth": set(),
    "directory": {"guide", "rooms"},
    "display": {"notices", "rooms", "shuttle", "workdays"},
    "energy": {"directory", "utilities", "vehicles", "workdays"},
    "equipment": {"directory", "repairs", "workdays"},
    "errors": set(),
    "feedback": set(),
    "guide": set(),
    "main": set(),
    "notices": set(),
    "notifications": set(),
    "offices": {"directory"},
    "regulations": set(),
    "repairs": set(),
    "rooms": {"workdays"},
    "shuttle": {"workdays"},
    "supervision": {"directory", "feedback", "repairs", "rooms", "workdays"},  # the meeting pack lists open feedback
    "utilities": set(),
    "vehicles": {"directory", "visitors", "workdays"},
    "visitors": {"directory", "workdays"},
    "workdays": set(),
}


def _modules(folder: Path) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(folder.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported_modules(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            for alias in node.names:
                yield f"{node.module}.{alias.name}"


def _capability_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 3 and parts[:2] == ["portal", "blueprints"] and parts[2] in CAPABILITIES:
        return parts[2]
    return None


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {name: set() for name in CAPABILITIES}
    for name in CAPABILITIES:
        for _, tree in _modules(BLUEPRINTS / name):
            for module in _imported_modules(tree):
                target = _capability_of(module)
                if target and target != name and target in edges:
                    edges[name].add(target)
    return edges


def _is_view_module(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"route", "get", "post"} and isinstance(
            node.value, ast.Name
        ) and node.value.id == "bp":
            return True
    return False


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


WRITES = {"db.session.add", "db.session.add_all", "db.session.delete", "audit.record", "record_audit"}
REQUEST_STATE = {"flask.request", "flask.g", "flask.session", "flask_login.current_user"}


def test_every_capability_declares_itself():
    import importlib

    for name in CAPABILITIES:
        module = importlib.import_module(f"portal.blueprints.{name}")
        assert module.CAPABILITY.name == name


def test_capabilities_depend_on_each_other_only_as_listed():
    edges = _edges()
    unexpected = {name: sorted(targets - ALLOWED_EDGES.get(name, set())) for name, targets in edges.items()}
    assert {k: v for k, v in unexpected.items() if v} == {}, "a new capability edge: list it in ALLOWED_EDGES if intended"


def test_the_allowed_edges_form_no_cycle():
    graph = {name: set(targets) for name, targets in ALLOWED_EDGES.items()}
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in done:
            return
        assert node not in visiting, "cycle: " + " → ".join([*path, node])
        visiting.add(node)
        for target in graph.get(node, ()):
            visit(target, [*path, node])
        visiting.discard(node)
        done.add(node)

    for name in graph:
        visit(name, [])


def test_the_core_names_no_capability():
    offenders = []
    for path, tree in _modules(PORTAL):
        if BLUEPRINTS in path.parents:
            continue
        for module in _imported_modules(tree):
            if _capability_of(module):
                offenders.append(f"{path.relative_to(PORTAL)} imports {module}")
    assert offenders == []


@pytest.mark.parametrize("name", CAPABILITIES)
def test_views_leave_writes_to_services(name):
    offenders = []
    for path, tree in _modules(BLUEPRINTS / name):
        if not _is_view_module(tree):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _dotted(node.func) in WRITES:
                offenders.append(f"{path.relative_to(PORTAL)}:{node.lineno} {_dotted(node.func)}")
    assert offenders == [], "views load, call a service, commit and redirect; services write"


@pytest.mark.parametrize("name", CAPABILITIES)
def test_services_never_read_the_request(name):
    offenders = []
    for path, tree in _modules(BLUEPRINTS / name):
        if not (path.name.startswith("services") or path.parent.name == "services"):
            continue
        for module in _imported_modules(tree):
            if module in REQUEST_STATE:
                offenders.append(f"{path.relative_to(PORTAL)} imports {module}")
    assert offenders == [], "services take actor and now as arguments"


def test_model_class_names_are_unique():
    """Relationships name classes by string; two capabilities' ``InspectionResult`` broke both at run time."""
    from portal.db import db

    names = [mapper.class_.__name__ for mapper in db.Model.registry.mappers]
    assert sorted({n for n in names if names.count(n) > 1}) == []
