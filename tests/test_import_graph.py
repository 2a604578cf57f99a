"""The app's modules import each other without a cycle, function-level imports included, and every
module sits in a layer of the contract `lint-imports` checks (pyproject.toml, docs/architecture.md).

`lint-imports` alone would let a lazy import inside a function close a cycle unseen: it reads them,
but a layer may import its own siblings. This graph is read with `ast`, so an import hidden in a
function body counts the same as one at the top of the file."""

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"


def modules(package_dir: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under `package_dir` (a package is its __init__)."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _ancestors(name: str) -> Iterator[str]:
    parts = name.split(".")
    for n in range(len(parts) - 1, 0, -1):
        yield ".".join(parts[:n])


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of `known` that importing `name` runs: every `import` and `from ... import`
    anywhere in the file (module level, in functions, under `if TYPE_CHECKING`), and the packages
    those modules are in (Python runs a package's __init__ first), except packages `name` is itself
    in, which have begun running before it."""
    root = name.split(".")[0]
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets.add(source)
            # `from app.x import y` imports the module app.x.y when y is one.
            targets.update(f"{source}.{alias.name}" for alias in node.names)
    own = set(_ancestors(name)) | ({name} if is_package else set())
    edges = set()
    for target in targets:
        if target.split(".")[0] != root:
            continue
        while target and target not in known:
            target = target.rpartition(".")[0]
        if not target:
            continue
        edges.update(t for t in (target, *_ancestors(target)) if t in known and t not in own)
    edges.discard(name)
    return edges


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    known = modules(package_dir)
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each group of modules that import each other (Tarjan's strongly connected
    components), as a path that starts and ends at the same module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_path_within(graph, group) for group in groups]


def _path_within(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """The shortest way from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & group):
            if w == start:
                return [*paths[v], start]
            if w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    raise AssertionError(f"no way back to {start} in {sorted(group)}")


def test_no_app_module_imports_itself_round_a_cycle() -> None:
    found = cycles(import_graph(APP))
    assert not found, "Import cycles among app modules:\n" + "\n".join(" -> ".join(c) for c in found)


def test_a_lazy_import_that_closes_a_cycle_is_found_and_named(tmp_path: Path) -> None:
    """The check above can fail: a package whose one cycle is closed inside a function body."""
    pkg = tmp_path / "demo"
    (pkg / "rules").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "rules" / "__init__.py").write_text("")
    (pkg / "rules" / "service.py").write_text("from demo import pages\n")
    (pkg / "pages.py").write_text("def page():\n    from demo.rules.service import x\n    return x\n")
    (pkg / "kernel.py").write_text("import demo.pages\n")
    assert cycles(import_graph(pkg)) == [["demo.pages", "demo.rules.service", "demo.pages"]]


def test_importing_a_module_counts_its_package_init(tmp_path: Path) -> None:
    """`from demo.web.csrf import token` runs demo/web/__init__.py first: an __init__ that imports
    the importer back is a cycle (the one app/security and app/templating had)."""
    pkg = tmp_path / "demo"
    (pkg / "web").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "web" / "__init__.py").write_text("from demo.templating import render\n")
    (pkg / "web" / "csrf.py").write_text("from demo.web import refuse\n")
    (pkg / "templating.py").write_text("from demo.web.csrf import token\n")
    assert cycles(import_graph(pkg)) == [["demo.templating", "demo.web", "demo.templating"]]


def _layer_modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return [
        part.strip()
        for layer in layers["layers"]
        for part in layer.replace("|", ":").replace("\n", " ").split(":")
        if part.strip()
    ]


def test_every_app_module_is_in_a_layer() -> None:
    """A new module outside every layer would escape the contract; a package's __init__ that
    imports nothing holds no code to place."""
    listed = _layer_modules()
    graph = import_graph(APP)
    loose = [
        name
        for name, path in modules(APP).items()
        if not any(name == m or name.startswith(f"{m}.") for m in listed)
        and not (path.name == "__init__.py" and not graph[name])
    ]
    assert not loose, f"Modules in no layer of pyproject.toml's contract: {loose}"
