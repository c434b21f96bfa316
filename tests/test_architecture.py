"""The architecture holds: no import cycle between the packages of src/mediamesh (at any
depth, between siblings), on top of the layer contracts `lint-imports` checks (pyproject.toml,
run by ./scripts/test.sh)."""

from __future__ import annotations

from collections import defaultdict

import grimp


def _sibling_graph() -> dict[str, set[str]]:
    """package → the sibling packages its modules import (imports inside one package aside)."""
    graph = grimp.build_graph("mediamesh")
    packages = {m for m in graph.modules if graph.find_children(m)}
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = module.split("."), imported.split(".")
            depth = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
            if depth is None or depth >= min(len(a), len(b)):
                continue
            source, target = ".".join(a[: depth + 1]), ".".join(b[: depth + 1])
            # only package-to-package arrows; a module of the parent package is not a sibling
            if source in packages and target in packages:
                edges[source].add(target)
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 visiting, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_between_packages() -> None:
    assert _cycle(_sibling_graph()) is None


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None
