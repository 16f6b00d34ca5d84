"""The package's shape: no import cycles between ipe's modules, and no module too long to read."""

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).parent.parent / "ipe"
MAX_LINES = 600
# Split by their owners' issues: the corpus readers by the import work.
TOO_LONG_FOR_NOW = {"ipe.corpus"}
# Packages that load every module inside them when imported (the exporter registry).
REGISTRIES = ("ipe.exporters",)


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def import_graph() -> nx.DiGraph:
    """Module -> ipe module it imports, counting imports anywhere in the file (inside functions too), so an import
    moved into a function to dodge a cycle is still seen."""
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                # Importing a submodule runs its packages' __init__ first, unless the importer is inside them
                # (then they are already running).
                while target and target != "ipe":
                    if target != name and not name.startswith(target + "."):
                        graph.add_edge(name, target)
                    target = target.rpartition(".")[0]
    for package in REGISTRIES:
        graph.add_edges_from((package, name) for name in modules if name.startswith(package + "."))
    return graph


def test_no_import_cycles():
    cycles = sorted(sorted(c) for c in nx.simple_cycles(import_graph()))
    assert cycles == []


def test_import_graph_sees_packages_and_the_registry():
    graph = import_graph()
    assert graph.has_edge("ipe.cmo.table", "ipe.tables")
    assert graph.has_edge("ipe.exporters.png", "ipe.cmo.drawing") and graph.has_edge("ipe.exporters.png", "ipe.cmo")
    assert graph.has_edge("ipe.exporters", "ipe.exporters.png")
    assert not graph.has_edge("ipe.cmo.table", "ipe.cmo")


def test_no_module_over_600_lines():
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _modules().items()}
    assert {name: n for name, n in lengths.items() if n > MAX_LINES and name not in TOO_LONG_FOR_NOW} == {}
