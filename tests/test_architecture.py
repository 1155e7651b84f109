"""The house's rooms stay where docs/architecture.md says they are.

Apps depend downward only (function-level imports count), the project package's helpers
import no app but the audit log, and no module-level import cycle exists. Read from the
source with ``ast``: nothing is imported to check it.
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# From the bottom up: an app may import the apps before it, never one after it.
LAYERS = [
    "bullying.audit",
    "accounts",
    "bullying.deadlines",
    "cases",
    "cases.appeals",
    "reporting",
    "inspections",
    "scripts",
]
# Modules of the project package that wire the apps together (they sit above every app).
PROJECT_TOP = {"bullying.urls", "bullying.views", "bullying.navigation", "bullying.settings", "bullying.celery"}
PROJECT_PACKAGE = "bullying"


def app_of(module: str) -> str | None:
    for app in sorted(LAYERS, key=len, reverse=True):
        if module == app or module.startswith(app + "."):
            return app
    if module == PROJECT_PACKAGE or module.startswith(PROJECT_PACKAGE + "."):
        return PROJECT_PACKAGE
    return None


def source_modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in {".venv", "tests", "static", "staticfiles", "docs"} or "migrations" in rel.parts:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not parts:
            continue
        yield ".".join(parts), path


def imports_of(path: Path, *, module_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


MODULES = dict(source_modules())


def test_the_layers_name_every_app():
    apps = {app_of(m) for m in MODULES} - {None, PROJECT_PACKAGE}
    assert apps == set(LAYERS)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_an_app_imports_only_the_apps_below_it(module):
    own = app_of(module)
    if own is None or own == PROJECT_PACKAGE:
        return
    upward = sorted(
        name
        for name in imports_of(MODULES[module], module_level_only=False)
        if (target := app_of(name)) in LAYERS and LAYERS.index(target) > LAYERS.index(own)
    )
    assert upward == [], f"{module} ({own}) imports from above: {upward}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if app_of(m) == PROJECT_PACKAGE and m not in PROJECT_TOP))
def test_a_project_helper_imports_no_app_but_the_audit_log(module):
    apps = sorted(
        name
        for name in imports_of(MODULES[module], module_level_only=False)
        if app_of(name) in LAYERS and app_of(name) != "bullying.audit"
    )
    assert apps == [], f"{module} is a helper of the project package but imports {apps}"


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def test_no_module_level_import_cycle():
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        for name in imports_of(path, module_level_only=True):
            # ``from package import module`` names the module; ``from module import name`` the module.
            target = name if name in MODULES else name.rpartition(".")[0]
            if target in MODULES and target != module:
                graph[module].add(target)
    cycles = [c for c in _strongly_connected(graph) if len(c) > 1]
    assert cycles == []


def test_the_checks_see_an_upward_import(tmp_path):
    """The checks can fail: an upward import written into a file is found."""
    path = tmp_path / "m.py"
    path.write_text("def f():\n    from reporting.selectors import x\n", "utf-8")
    found = imports_of(path, module_level_only=False)
    assert "reporting.selectors" in found and LAYERS.index(app_of("reporting.selectors")) > LAYERS.index("cases")
    assert _strongly_connected({"a": {"b"}, "b": {"a"}}) == [["a", "b"]]
