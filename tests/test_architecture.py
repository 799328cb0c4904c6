"""The architecture of the package, as tests read from its source (``ast``; nothing is imported).

- **Layers.** ``derive/core`` (the trusted checker) imports nothing from the rest of derive;
  ``derive/model`` imports nothing from the engine, the renderers or the front ends; ``derive/render``
  imports nothing from the front ends (``cli``, ``commands``, ``plugin``, ``sphinx_ext``).  These rules count every
  import, at module level or inside a function: a lazy import is still a dependency, only a later one.
  The one exception is IPython's display protocol (``_repr_markdown_`` and the like), by which a notebook
  asks a model object to render itself: the import there runs only when a notebook displays the object.
- **No import cycle between subpackages**, counting imports at module level only.  Lazy imports are how
  derive keeps heavy layers out of runs that do not need them (``derive --help`` without SymPy, the
  document reader only for documents); they cannot make an import-time cycle, and the layer rules above
  already forbid the lazy imports that would point the wrong way.
- **Modules of a readable size**: over 400 lines, a module's docstring says why, in a sentence that starts
  with "Long because".
- **Binders are handled once**, in ``derive/core`` (:mod:`derive.core.binders`): outside it no module tests
  for ``SumExcept``, reads a sum's ``.limits``, or reads ``.variables``/``.variable`` of something it has
  tested to be a sum.  The scan is a net for the usual ways of tracking bound indices by hand, not a proof
  that there is none.

Each check is a function of a folder, so that the tests at the end of this file can show it failing on a
small package written for the purpose.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "derive"

FRONT_ENDS = ("cli", "commands", "plugin", "sphinx_ext", "__main__")
LAYERS = {
    # subpackage: the subpackages (or top-level modules) it must not import
    "render": FRONT_ENDS,
    "model": ("engine", "render") + FRONT_ENDS,
}
MAX_LINES = 400
LONG_MARKER = "Long because"

# Known exceptions, each in a file that its owner is changing in parallel; they are listed so that this
# test passes meanwhile, and the lists are to be emptied as those changes land.  A listed file that no
# longer breaks its rule fails the test, so that a stale entry cannot hide a new fault.
BINDER_TRACKING_BEING_REMOVED: set[str] = set()  # emptied: printers and numeric read binders from the core
LONG_BEING_SPLIT: set[str] = set()  # emptied: cli.py split into cli and commands, engine/mutate.py in two
CYCLE_EDGES_BEING_REMOVED: set[tuple[str, str]] = set()  # emptied: mutation results are in derive.model


# -- reading the source ---------------------------------------------------------------------------------

def _modules(package: Path):
    """(path relative to the package's parent, module name) of every module of ``package``."""
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent)
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield path, relative.as_posix(), ".".join(parts)


def _subpackage(module: str) -> str:
    """``core`` for ``derive.core.objects``, ``cli`` for ``derive.cli``, ``derive`` for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


class _Imports(ast.NodeVisitor):
    """Every import of one module: (imported module, line, module level?, enclosing function names)."""

    def __init__(self, module: str, is_package: bool):
        self.package = module if is_package else module.rpartition(".")[0]
        self.found: list[tuple[str, int, bool, tuple[str, ...]]] = []
        self.functions: list[str] = []

    def _function(self, node):
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_If(self, node):
        # ``if TYPE_CHECKING:`` imports are for type checkers only: they never run
        test = node.test
        if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING" or \
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def _add(self, target: str, node):
        self.found.append((target, node.lineno, not self.functions, tuple(self.functions)))

    def visit_Import(self, node):
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node):
        if node.level:
            base = self.package.split(".")
            base = base[:len(base) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        if node.module is None:   # from . import x: x may be a module of its own
            for alias in node.names:
                self._add(f"{module}.{alias.name}", node)
        else:
            self._add(module, node)


def _imports(package: Path):
    """(relative path, module, imported derive module, line, module level?, functions) for every import."""
    name = package.name
    for path, relative, module in _modules(package):
        visitor = _Imports(module, path.name == "__init__.py")
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        for target, line, top, functions in visitor.found:
            if target == name or target.startswith(name + "."):
                yield relative, module, target, line, top, functions


def _is_display_hook(functions) -> bool:
    return any(f.startswith("_repr_") and f.endswith("_") for f in functions)


# -- the checks ----------------------------------------------------------------------------------------------

def layer_violations(package: Path, layers=None) -> list[str]:
    """Imports across a forbidden layer boundary, as ``path:line: a imports b``."""
    layers = LAYERS if layers is None else layers
    found = []
    for relative, module, target, line, _, functions in _imports(package):
        source, imported = _subpackage(module), _subpackage(target)
        if _is_display_hook(functions) or source == imported:
            continue
        if source == "core" and imported != "core":
            found.append(f"{relative}:{line}: core imports {target}")
        elif imported in layers.get(source, ()):
            found.append(f"{relative}:{line}: {source} imports {target}")
    return found


def subpackage_graph(package: Path, removed=frozenset()) -> dict[str, dict[str, list[str]]]:
    """The module-level imports between subpackages: ``{a: {b: [places where a imports b]}}``."""
    graph: dict[str, dict[str, list[str]]] = {}
    for relative, module, target, line, top, _ in _imports(package):
        source, imported = _subpackage(module), _subpackage(target)
        if not top or source == imported or (module, imported) in removed:
            continue
        graph.setdefault(source, {}).setdefault(imported, []).append(f"{relative}:{line}")
    return graph


def find_cycle(graph) -> list[str] | None:
    """One cycle of ``graph`` as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node):
        state[node] = "open"
        path.append(node)
        for following in sorted(graph.get(node, {})):
            if state.get(following) == "open":
                return path[path.index(following):] + [following]
            if following not in state:
                cycle = visit(following)
                if cycle:
                    return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def long_modules(package: Path) -> list[str]:
    """Modules over MAX_LINES lines whose docstring does not say why (``Long because ...``)."""
    found = []
    for path, relative, _ in _modules(package):
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_LINES and LONG_MARKER not in (ast.get_docstring(ast.parse(text)) or ""):
            found.append(f"{relative}: {lines} lines, and its docstring does not say why ('{LONG_MARKER} ...')")
    return found


_SUMS = {"Sum", "SumExcept", "WrittenOutSum"}


def _names(node) -> set[str]:
    """The class names a type test mentions: ``SumExcept``, ``sp.Sum``, or a tuple of them."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Attribute):
        return {node.attr}
    if isinstance(node, ast.Tuple):
        return set().union(*(_names(e) for e in node.elts)) if node.elts else set()
    return set()


def _tested_as_sum(scope) -> set[str]:
    """The variables that ``scope`` tests to be a sum with ``isinstance``."""
    found = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance" \
                and len(node.args) == 2 and isinstance(node.args[0], ast.Name) and _names(node.args[1]) & _SUMS:
            found.add(node.args[0].id)
    return found


def binder_tracking(path: Path) -> list[tuple[int, str]]:
    """(line, what) for every way ``path`` looks at what a sum binds by itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("isinstance", "issubclass") and len(node.args) == 2 \
                and "SumExcept" in _names(node.args[1]):
            found.append((node.lineno, f"{node.func.id}(..., SumExcept)"))
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Call) \
                and isinstance(node.left.func, ast.Name) and node.left.func.id == "type" \
                and any("SumExcept" in _names(c) for c in node.comparators):
            found.append((node.lineno, "type(...) compared with SumExcept"))
        elif isinstance(node, ast.MatchClass) and "SumExcept" in _names(node.cls):
            found.append((node.lineno, "case SumExcept(...)"))
        elif isinstance(node, ast.Attribute) and node.attr == "limits" and isinstance(node.ctx, ast.Load):
            found.append((node.lineno, "reads .limits"))
    scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))] + [tree]
    for scope in scopes:
        sums = _tested_as_sum(scope)
        for node in ast.walk(scope):
            if isinstance(node, ast.Attribute) and node.attr in ("variables", "variable") \
                    and isinstance(node.value, ast.Name) and node.value.id in sums:
                found.append((node.lineno, f"reads .{node.attr} of {node.value.id}, tested to be a sum"))
    return sorted(set(found))


def binder_violations(package: Path) -> dict[str, list[str]]:
    """``{relative path: [line: what]}`` for every module outside ``core`` that tracks binders itself."""
    found = {}
    for path, relative, module in _modules(package):
        if _subpackage(module) == "core":
            continue
        sites = binder_tracking(path)
        if sites:
            found[relative] = [f"{relative}:{line}: {what}" for line, what in sites]
    return found


# -- the architecture of derive -------------------------------------------------------------------------------

def test_each_layer_imports_only_the_layers_below_it():
    assert layer_violations(PACKAGE) == []


def test_no_import_cycle_between_subpackages():
    graph = subpackage_graph(PACKAGE, removed=CYCLE_EDGES_BEING_REMOVED)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle " + " -> ".join(cycle) + ": " + "; ".join(
        f"{a} -> {b} at {', '.join(graph[a][b])}" for a, b in zip(cycle, cycle[1:]))


def test_the_cycle_edges_listed_as_being_removed_still_exist():
    graph = subpackage_graph(PACKAGE)
    modules = {module for _, _, module in _modules(PACKAGE)}
    for module, imported in CYCLE_EDGES_BEING_REMOVED:
        places = graph.get(_subpackage(module), {}).get(imported, [])
        relative = module.replace(".", "/") + ".py"
        assert module in modules and any(p.startswith(relative + ":") for p in places), \
            f"{module} no longer imports {imported} at module level: remove it from CYCLE_EDGES_BEING_REMOVED"


def test_a_module_over_400_lines_says_why():
    unexplained = [line for line in long_modules(PACKAGE) if line.split(":")[0] not in LONG_BEING_SPLIT]
    assert unexplained == []


def test_the_modules_listed_as_being_split_are_still_long():
    still = {line.split(":")[0] for line in long_modules(PACKAGE)}
    assert sorted(LONG_BEING_SPLIT - still) == [], "split or explained now: remove from LONG_BEING_SPLIT"


def test_only_the_core_tracks_what_a_sum_binds():
    found = binder_violations(PACKAGE)
    unexpected = [site for path, sites in found.items() if path not in BINDER_TRACKING_BEING_REMOVED
                  for site in sites]
    assert unexpected == [], "use derive.core.binders (binders, walk) instead:\n" + "\n".join(unexpected)


def test_the_modules_listed_as_tracking_binders_still_do():
    found = binder_violations(PACKAGE)
    assert sorted(BINDER_TRACKING_BEING_REMOVED - set(found)) == [], \
        "rebuilt on derive.core.binders now: remove from BINDER_TRACKING_BEING_REMOVED"


def test_the_core_binder_module_is_what_the_scan_spares():
    # The scan skips derive/core on purpose: that is where binders are handled, and it does look at them.
    assert binder_tracking(PACKAGE / "core" / "binders.py")


# -- each check fails on a package that breaks its rule ------------------------------------------------------

def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    package = tmp_path / "derive"
    for name, text in {"__init__.py": "", **files}.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in {p.parent for p in package.rglob("*.py")}:
        (folder / "__init__.py").touch()
    return package


@pytest.mark.parametrize("files, expected", [
    ({"core/objects.py": "from ..render import unicode\n"}, "core/objects.py:1: core imports derive.render"),
    ({"core/objects.py": "def f():\n    from derive.engine import run\n"},
     "core/objects.py:2: core imports derive.engine"),
    ({"render/terminal.py": "from ..cli import main\n"}, "render/terminal.py:1: render imports derive.cli"),
    ({"model/proof.py": "def f():\n    from ..render.notes import proof_view\n"},
     "model/proof.py:2: model imports derive.render.notes"),
])
def test_the_layer_check_finds_an_import_across_a_boundary(tmp_path, files, expected):
    assert layer_violations(_package(tmp_path, files)) == [f"derive/{expected}"]


def test_the_layer_check_allows_a_display_hook(tmp_path):
    package = _package(tmp_path, {"model/proof.py": "class P:\n    def _repr_markdown_(self):\n"
                                                    "        from ..render.markdown import text\n"})
    assert layer_violations(package) == []


def test_the_cycle_check_finds_a_cycle_and_ignores_lazy_imports(tmp_path):
    package = _package(tmp_path, {"engine/run.py": "from ..render import unicode\n",
                                  "render/unicode.py": "from ..engine.run import x\n"})
    assert find_cycle(subpackage_graph(package)) in (["engine", "render", "engine"],
                                                     ["render", "engine", "render"])
    lazy = _package(tmp_path / "lazy", {"engine/run.py": "from ..render import unicode\n",
                                        "render/unicode.py": "def f():\n    from ..engine.run import x\n"})
    assert find_cycle(subpackage_graph(lazy)) is None


def test_the_size_check_finds_a_long_module_without_a_reason(tmp_path):
    body = "x = 1\n" * (MAX_LINES + 1)
    package = _package(tmp_path, {"long.py": '"""A module."""\n' + body,
                                  "explained.py": f'"""A module.\n\n{LONG_MARKER} it must be."""\n' + body,
                                  "short.py": '"""A module."""\n' + "x = 1\n" * (MAX_LINES - 1)})
    assert [line.split(":")[0] for line in long_modules(package)] == ["derive/long.py"]


@pytest.mark.parametrize("source, what", [
    ("def f(e):\n    return isinstance(e, (sp.Sum, SumExcept))\n", "isinstance(..., SumExcept)"),
    ("def f(e):\n    return type(e) is SumExcept\n", "type(...) compared with SumExcept"),
    ("def f(e):\n    for i, lo, hi in e.limits:\n        pass\n", "reads .limits"),
    ("def f(e):\n    if isinstance(e, sp.Sum):\n        return e.variables\n", "reads .variables of e, tested"),
    ("def f(e):\n    match e:\n        case SumExcept():\n            pass\n", "case SumExcept(...)"),
])
def test_the_binder_scan_finds_binder_tracking(tmp_path, source, what):
    package = _package(tmp_path, {"render/printer.py": source})
    (site,) = binder_violations(package)["derive/render/printer.py"]
    assert what in site


def test_the_binder_scan_leaves_derivatives_and_construction_alone(tmp_path):
    source = ("def f(e, b):\n    if isinstance(e, sp.Derivative):\n        return e.variables\n"
              "    return SumExcept(b.function, (b.variable, 1, 2), 3)\n")
    assert binder_violations(_package(tmp_path, {"render/printer.py": source})) == {}
