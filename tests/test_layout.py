"""The package's shape: one top-level package, subpackages by concept, no import cycle, imports at
module top (except deliberate lazy imports of heavy optional dependencies), no module named like a
standard-library module, no writes into another object's ``__dict__``."""
from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "engine" / "junheng"
# lazy on purpose: heavy and needed only by one output or the workbench
LAZY_OK = {"openpyxl", "pyarrow", "flask", "werkzeug", "jinja2", "markupsafe", "highspy"}  # highspy: the plan solver
# the command dispatcher and the package root import nothing heavy at load (junheng --help stays fast)
LAZY_FILES = {"cli/main.py", "__init__.py"}


def modules() -> dict[str, Path]:
    out = {}
    for p in sorted(PKG.rglob("*.py")):
        rel = p.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def imports_of(path: Path, top_only: bool):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_only else list(ast.walk(tree))
    for n in nodes:
        if isinstance(n, ast.ImportFrom) and n.module:
            yield n, n.module, [a.name for a in n.names]
        elif isinstance(n, ast.Import):
            for a in n.names:
                yield n, a.name, []


def internal_targets(mods, module, names):
    if not module.startswith("junheng"):
        return []
    out = [module] if module in mods else []
    out += [f"{module}.{n}" for n in names if f"{module}.{n}" in mods]
    return out or ([module] if module in mods else [])


def test_pyproject_lists_every_subpackage_and_installs_one_top_level_package():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(conf["packages"])
    folders = {".".join(p.parent.relative_to(PKG.parent).parts) for p in PKG.rglob("__init__.py")}
    assert folders | {"junheng.standards", "junheng.schemas"} == listed
    assert {p.split(".")[0] for p in listed} == {"junheng"}
    assert conf["package-dir"] == {"": "engine", "junheng.standards": "standards", "junheng.schemas": "schemas"}
    assert "py-modules" not in conf


def test_no_module_named_like_the_standard_library():
    clash = [m for m in modules() if m.split(".")[-1] in sys.stdlib_module_names]
    assert clash == []


def cycles(graph: dict) -> list:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, on, stack, sccs, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            sccs.append(comp)

    for v in graph:
        if v not in index:
            visit(v)
    return sorted(sorted(c) for c in sccs if len(c) > 1)


def test_no_import_cycle():
    """Every import counts, also one inside a function (it closes a cycle just the same)."""
    mods = modules()
    graph = {m: set() for m in mods}
    for m, p in mods.items():
        for _, module, names in imports_of(p, top_only=False):
            for t in internal_targets(mods, module, names):
                if t != m and not m.startswith(t + ".") and t != "junheng":
                    graph[m].add(t)
    assert cycles(graph) == []


def test_the_cycle_detector_finds_cycles():
    g = {"run": {"output"}, "output": {"explain"}, "explain": {"counterfactual"}, "counterfactual": {"run"},
         "a": {"b"}, "b": set(), "self": set()}
    assert cycles(g) == [["counterfactual", "explain", "output", "run"]]
    assert cycles({"x": {"y"}, "y": {"x"}, "z": {"x"}}) == [["x", "y"]]


def test_imports_at_module_top():
    late = []
    for _m, p in modules().items():
        rel = p.relative_to(PKG).as_posix()
        if rel in LAZY_FILES:
            continue
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for n in ast.walk(fn):
                    if isinstance(n, (ast.Import, ast.ImportFrom)):
                        mod = n.module if isinstance(n, ast.ImportFrom) else n.names[0].name
                        if (mod or "").split(".")[0] not in LAZY_OK:
                            late.append(f"{rel}:{n.lineno} {mod}")
    assert late == []


def test_light_entry_points_import_nothing_heavy():
    """cli/main.py and the package root load only the standard library and the message catalogue at import
    (--help is fast)."""
    for rel in LAZY_FILES:
        for _, module, _ in imports_of(PKG / rel, top_only=True):
            assert module.split(".")[0] in sys.stdlib_module_names or module in ("__future__", "junheng.version", "junheng.i18n", "junheng.messages", "junheng.reports.formats"), \
                (rel, module)


def test_help_loads_nothing_heavy():
    """Building the whole command line (every subcommand's options) imports no third-party module."""
    import subprocess

    code = ("import sys; import junheng.cli.main as m; m._parser(); "
            "print(sorted(k for k in sys.modules if k.split('.')[0] in "
            "('pandas', 'numpy', 'flask', 'rich', 'lark', 'yaml', 'openpyxl', 'pyarrow', 'jsonschema')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_no_writes_into_another_objects_dict():
    bad = []
    for _m, p in modules().items():
        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            target = None
            if isinstance(n, ast.Attribute) and n.attr == "__dict__":
                target = n
            if target is None:
                continue
            bad.append(f"{p.relative_to(PKG)}:{n.lineno}")
    bad = sorted(set(bad))
    # the one deliberate use: a counterfactual probe copies its base evaluator's state into itself
    assert len(bad) == 1 and bad[0].startswith("explain/counterfactual.py:")
