"""The apps' import graph: no circles, and imports only run down the layers (README, Architecture).

The graph is read from the source with `ast`, so function-local imports count as much as top-level
ones: an import moved into a function to dodge a circle is still a circle. Migrations and tests are
left out. Run this file as a script to print the graph's cycles and upward edges.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("tenancy", "billing", "work", "platform_admin", "ops", "project")

# app -> apps it must never import (the README's layering rule).
FORBIDDEN = {
    "tenancy": {"billing", "work", "platform_admin"},
    "ops": {"tenancy", "billing", "work", "platform_admin"},
    "billing": {"work", "platform_admin"},
    "work": {"billing", "platform_admin"},
}


def _is_excluded(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "migrations" in parts or "tests" in parts or path.name in {"conftest.py"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if not _is_excluded(path):
                found[_module_name(path)] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """Return the longest known module that `name` is or lies inside."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    """Map each module of the apps to the modules of the apps it imports (anywhere in its body)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        package = name if is_package else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    targets.add(alias.name)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    if node.level > 1:
                        base = base[: len(base) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:
                    # `from pkg import sub` imports the submodule when there is one.
                    targets.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source)
        graph[name] = {t for t in (_resolve(t, modules) for t in targets) if t and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one cycle as a path (first module repeated at the end), or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(graph, WHITE)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = GREY
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if colour.get(nxt) == GREY:
                return [*stack[stack.index(nxt) :], nxt]
            if colour.get(nxt) == WHITE:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = BLACK
        return None

    for start in sorted(graph):
        if colour[start] == WHITE:
            found = visit(start)
            if found:
                return found
    return None


def all_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return one cycle per strongly connected component that has more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = [0]

    def strongconnect(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                strongconnect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            strongconnect(node)
    cycles = []
    for component in components:
        members = set(component)
        sub = {n: graph[n] & members for n in component}
        cycles.append(find_cycle(sub) or component)
    return cycles


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Return 'importer -> imported' for every import that breaks the layering rule."""
    bad = []
    for importer, targets in sorted(graph.items()):
        forbidden = FORBIDDEN.get(importer.split(".")[0], set())
        bad.extend(f"{importer} -> {t}" for t in sorted(targets) if t.split(".")[0] in forbidden)
    return bad


def test_graph_is_read_from_the_source():
    graph = import_graph()
    # A sanity check that the walk sees function-local and relative imports at all.
    assert "tenancy.models" in graph
    assert len(graph) > 100
    assert any(targets for targets in graph.values())
    assert "tenancy.models" in graph["billing.models"]


def test_import_graph_has_no_cycle():
    cycles = all_cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_imports_run_down_the_layers():
    bad = upward_imports(import_graph())
    assert not bad, "upward imports (see README, Architecture):\n" + "\n".join(bad)


if __name__ == "__main__":
    graph = import_graph()
    for cycle in all_cycles(graph):
        print("cycle:", " -> ".join(cycle))
    for edge in upward_imports(graph):
        print("upward:", edge)
