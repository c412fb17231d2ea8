"""The package reads in one direction (issue 8): lower layers never import higher ones, no module
imports itself in a circle, and an import inside a function says why it is there.

Every module under ``app/ketengraaf`` is read with ``ast`` (imports at module level and inside
functions, relative and absolute); nothing is imported, so a broken module cannot hide an edge.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path


PACKAGE = "ketengraaf"
ROOT = Path(__file__).resolve().parent.parent / "app" / PACKAGE

# Bottom -> top. A module may import modules of its own layer and of the layers below it. Names are the
# first part below ``ketengraaf`` ("" is ``ketengraaf/__init__.py``, the app factory). Some are not written
# yet (layout.md): they have their place already.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("errors", "settings", "messages", "namespaces", "labels", "store", "catalogue", "sources")),
    ("services", ("validation", "loading", "writing", "sparql", "diagrams")),     # no Flask, no HTML
    ("importers", ("importers", "wiki")),
    ("web", ("web",)),                   # every page and the SPARQL endpoint's views; Flask lives here
    ("app factory", ("",)),              # create_app(settings)
    ("cli", ("cli",)),
]
RANK = {name: rank for rank, (_, names) in enumerate(LAYERS) for name in names}
WEB = RANK["web"]
WEB_LIBRARIES = ("flask", "werkzeug", "jinja2")
DEFERRED = "# deferred:"

# Edges another branch removes: (importer, imported) -> why it is still allowed here. Each entry
# must still be needed (test_pending_exceptions_are_still_needed), so it goes when its fix lands.
PENDING: dict[tuple[str, str], str] = {}      # (source, target) -> why an import may break the rules for now


@dataclass(frozen=True)
class Import:
    source: str          # importing module
    target: str          # imported module (ketengraaf.*) or third-party top-level name
    where: str           # app/ketengraaf/<file>:<line>
    in_function: bool
    deferred_comment: bool


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = (PACKAGE,) + path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


class _Collector(ast.NodeVisitor):
    def __init__(self, path: Path, root: Path, modules: set[str]):
        self.modules = modules
        self.source = module_name(path, root)
        self.file = f"app/{PACKAGE}/{path.relative_to(root).as_posix()}"
        self.is_package = path.name == "__init__.py"
        self.lines = path.read_text(encoding="utf-8").splitlines()
        self.depth = 0
        self.found: list[Import] = []

    def _function(self, node) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def _add(self, node: ast.stmt, target: str) -> None:
        text = "\n".join(self.lines[node.lineno - 1:(node.end_lineno or node.lineno)])
        self.found.append(Import(self.source, target, f"{self.file}:{node.lineno}", self.depth > 0, DEFERRED in text))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            name = alias.name
            self._add(node, self._known(name) if name.split(".")[0] == PACKAGE else name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            package = self.source.split(".") if self.is_package else self.source.split(".")[:-1]
            base = package[:len(package) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        if target.split(".")[0] != PACKAGE:
            self._add(node, target.split(".")[0])
            return
        # `from ketengraaf.web import http` imports the module ketengraaf.web.http
        submodules = {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in self.modules}
        for sub in sorted(submodules):
            self._add(node, sub)
        if len(submodules) < len(node.names):
            self._add(node, self._known(target))

    def _known(self, name: str) -> str:
        while name not in self.modules and "." in name:
            name = name.rsplit(".", 1)[0]
        return name


def collect(root: Path = ROOT) -> list[Import]:
    paths = sorted(root.rglob("*.py"))
    modules = {module_name(p, root) for p in paths}
    found: list[Import] = []
    for path in paths:
        collector = _Collector(path, root, modules)
        collector.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        found += collector.found
    return found


IMPORTS = collect()
INTERNAL = [i for i in IMPORTS if i.target.split(".")[0] == PACKAGE and i.target != i.source]


def cycles(edges: list[Import]) -> list[list[str]]:
    """One cycle (as a path of modules) per strongly connected component of more than one module."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        graph.setdefault(e.source, set()).add(e.target)
        graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def connect(v: str) -> None:        # Tarjan; the package is small enough for recursion
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            connect(v)
    out = []
    for component in components:
        start = min(component)
        path, seen = [start], {start}
        while True:                      # walk inside the component until a module repeats
            nxt = min(w for w in graph[path[-1]] if w in component)
            path.append(nxt)
            if nxt in seen:
                out.append(path[path.index(nxt):])
                break
            seen.add(nxt)
    return out


def pending(edge: Import) -> bool:
    return (edge.source, edge.target) in PENDING


def upward(edges: list[Import]) -> list[str]:
    out = []
    for e in edges:
        src, dst = RANK[layer_of(e.source)], RANK[layer_of(e.target)]
        if dst > src:
            out.append(f"{e.where}: {e.source} ({LAYERS[src][0]}) imports {e.target} ({LAYERS[dst][0]})")
    return out


def undeclared_deferrals(imports: list[Import]) -> list[str]:
    return [f"{i.where}: {i.source} imports {i.target} inside a function" for i in imports
            if i.in_function and not i.deferred_comment]


def test_every_module_has_a_layer():
    unknown = sorted(m for m in map(module_name, ROOT.rglob("*.py")) if layer_of(m) not in RANK)
    assert not unknown, (
        "modules without a layer; add their name to LAYERS in tests/test_architecture.py "
        "(bottom: errors/settings/store..., then services, importers, web, app factory, cli):\n  "
        + "\n  ".join(unknown))


def test_lower_layers_never_import_higher_ones():
    found = upward(INTERNAL)
    assert not found, (
        "an import goes up the layers (" + " < ".join(name for name, _ in LAYERS) + "); move the shared "
        "code down to the lower layer instead:\n  " + "\n  ".join(found))


def test_no_import_cycles():
    found = cycles([e for e in INTERNAL if not pending(e)])
    assert not found, (
        "modules import each other in a circle (a function-level import counts too); move what they "
        "share into a module below both:\n  " + "\n  ".join(" -> ".join(c) for c in found))


def test_imports_inside_functions_say_why():
    found = undeclared_deferrals([i for i in IMPORTS if not pending(i)])
    assert not found, (
        "an import inside a function usually hides a cycle: import at the top of the module; if it is "
        f"there only to keep start-up fast, say so on its line ({DEFERRED} start-up time):\n  "
        + "\n  ".join(found))


def test_only_the_web_layer_and_the_app_factory_use_flask():
    found = [f"{i.where}: {i.source} imports {i.target}" for i in IMPORTS
             if i.target in WEB_LIBRARIES and RANK[layer_of(i.source)] < WEB]
    assert not found, "HTTP belongs to ketengraaf.web (views, negotiation, caching headers):\n  " + "\n  ".join(found)


def test_pending_exceptions_are_still_needed():
    """An exception in PENDING that the code no longer needs is a rule switched off for nothing."""
    stale = []
    for edge in sorted(PENDING):
        imports = [i for i in INTERNAL if (i.source, i.target) == edge]
        needed = bool(undeclared_deferrals(imports)) or any(edge in zip(c, c[1:]) for c in cycles(INTERNAL))
        if not needed:
            stale.append(f"{edge[0]} -> {edge[1]}")
    assert not stale, f"no longer needed, delete from PENDING: {stale}"


# -- the checker itself, on small packages written for the purpose ------------------------------------

# Issue 16: the Store interface is the boundary. Only these modules know the embedded backend's folders
# (generation paths, the store folder): the backend itself, its loader and writer, the worker pool that
# opens a generation per process (and the lookups the web process answers from the generation it has open),
# and the commands that run them. Pages, the endpoint's views, search,
# validation and the importers reach data through ``Store`` only, so a remote store plugs in under them.
EMBEDDED_BACKEND = ("ketengraaf.store", "ketengraaf.loading", "ketengraaf.writing", "ketengraaf.sparql.workers",
                    "ketengraaf.sparql.inprocess", "ketengraaf.sparql.pool_state", "ketengraaf.sparql.command",
                    "ketengraaf.cli")
FOLDER_ATTRIBUTES = {"path", "dir", "store_dir", "pointer"}


def _embedded_side(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in EMBEDDED_BACKEND)


def folder_uses(root: Path = ROOT) -> list[str]:
    """Places outside the embedded backend that import it or read a generation's or a store's folder
    (``gen.path``, ``store.dir``, ``settings.store_dir`` ...); the app factory may pass ``store_dir`` on."""
    found = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        if _embedded_side(module):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            where = f"app/{PACKAGE}/{path.relative_to(root).as_posix()}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.ImportFrom) and node.module and "oxigraph" in node.module.split(".") \
                    and (node.level > 0 or node.module.startswith(PACKAGE)):
                found.append(f"{where} imports the embedded store ({node.module})")
            elif isinstance(node, ast.Attribute) and node.attr in FOLDER_ATTRIBUTES:
                owner = ast.unparse(node.value)
                if module == PACKAGE and owner == "settings" and node.attr == "store_dir":
                    continue            # create_app hands the folder to the embedded writer
                if re.search(r"\bgen\b|generation\(\)|store|settings", owner, re.IGNORECASE):
                    found.append(f"{where} reads {owner}.{node.attr}")
    return found


def test_only_the_embedded_backend_touches_generation_folders():
    assert folder_uses() == []


def test_the_folder_check_sees_a_page_reading_a_generation_path(tmp_path):
    pkg = tmp_path / PACKAGE
    (pkg / "web").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "web" / "__init__.py").write_text("")
    (pkg / "web" / "page.py").write_text("from ..store.oxigraph import open_generation\n"
                                         "def view(store):\n    return open_generation(store.generation().path)\n")
    found = folder_uses(pkg)
    assert [f.split(":", 1)[1] for f in found] == ["1 imports the embedded store (store.oxigraph)",
                                                   "3 reads store.generation().path"]


def _check(tmp_path: Path, files: dict[str, str]) -> tuple[list[str], list[list[str]], list[str]]:
    root = tmp_path / PACKAGE
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    imports = collect(root)
    internal = [i for i in imports if i.target.split(".")[0] == PACKAGE and i.target != i.source]
    return upward(internal), cycles(internal), undeclared_deferrals(imports)


def test_checker_sees_upward_function_level_and_relative_imports(tmp_path):
    up, circles, undeclared = _check(tmp_path, {
        "__init__.py": "",
        "errors.py": "",
        "sparql/__init__.py": "",
        "sparql/table.py": "from ..web import urls\n",
        "web/__init__.py": "",
        "web/urls.py": "def f():\n    from ..sparql import table\n    import json  # deferred: start-up time\n",
    })
    assert up == ["app/ketengraaf/sparql/table.py:1: ketengraaf.sparql.table (services) imports "
                  "ketengraaf.web.urls (web)"]
    assert circles == [["ketengraaf.sparql.table", "ketengraaf.web.urls", "ketengraaf.sparql.table"]]
    assert undeclared == ["app/ketengraaf/web/urls.py:2: ketengraaf.web.urls imports ketengraaf.sparql.table "
                          "inside a function"]


def test_checker_accepts_downward_imports_and_package_names(tmp_path):
    up, circles, undeclared = _check(tmp_path, {
        "__init__.py": "from .web import site\n",
        "errors.py": "",
        "web/__init__.py": "from . import site\n",
        "web/site.py": "from ketengraaf.errors import X\nfrom .. import errors\n",
    })
    assert (up, circles, undeclared) == ([], [], [])
