"""No import circles in the project (issue 22.3): the modules' top-level imports form no cycle.

A cycle works only by the order modules happen to load in, and breaks when a new entry point
imports another module first. In-function imports are not followed here (they run late, when
every module is loaded); the aim is that they become rare.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("common", "sync", "county_hub", "township_node", "village_kiosk")


def modules(root=ROOT):
    """{dotted name: path} of the project's modules."""
    out = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        if parts and parts[0] in PACKAGES:
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imported(name, path, node, known):
    # The project's modules an import statement at the top of NAME (at PATH) loads.
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in known}
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    if node.level:
        package = package[:len(package) - (node.level - 1)]
        base = ".".join(package + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    found = set()
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        found.add(sub if sub in known else base)  # `from . import x` loads the module x, not only the package
    return {m for m in found if m in known and m != name}


def graph(mods):
    """{module: {modules its top-level imports load}}."""
    out = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        out[name] = set()
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                out[name] |= _imported(name, path, node, mods)
    return out


def cycles(edges):
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))
    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def test_the_finder_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    assert cycles(graph(modules())) == []
