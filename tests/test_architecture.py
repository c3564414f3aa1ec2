"""The seams hold: `agent` reaches the evaluator only through its face (evaluator/__init__.py), the
evaluator never imports `agent`, and every name the face promises exists. The evaluator's folders are its
processes (the face's where-it-runs table): each folder imports only the folders it may (FOLDER_MAY_IMPORT),
and no module of `evaluator` or `agent` reaches itself back through imports, function-local ones included.
"""

import ast
from pathlib import Path

import pytest

import evaluator

ROOT = Path(__file__).resolve().parent.parent


def _module_name(path: Path) -> str:
    """evaluator/shared/problem.py -> evaluator.shared.problem; a package's __init__.py is the package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every import in a file, function-local ones included; a relative import
    is resolved against the file's own package."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                package = _module_name(path).split(".")
                package = package if path.name == "__init__.py" else package[:-1]
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([module] if module else []))
            out.append((node.lineno, module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names]
    return out


def test_agent_imports_only_the_evaluators_face():
    offenders = [
        f"{p.relative_to(ROOT)}:{line} imports {module}"
        for p in sorted((ROOT / "agent").rglob("*.py"))
        for line, module, _ in _imports(p)
        if module.startswith("evaluator.")
    ]
    assert not offenders, "\n".join(offenders)


def test_agent_uses_only_exported_names():
    missing = [
        f"{p.relative_to(ROOT)}:{line} {name}"
        for p in sorted((ROOT / "agent").rglob("*.py"))
        for line, module, names in _imports(p)
        if module == "evaluator"
        for name in names
        if name not in evaluator.__all__
    ]
    assert not missing, "\n".join(missing)


MAX_FUNCTION_LINES = 80  # past a screen a function is two; ruff's C90 (pyproject.toml) bounds its branches


def _long_functions(folder: Path) -> list[str]:
    return [
        f"{p.relative_to(ROOT)}:{node.lineno} {node.name} is {node.end_lineno - node.lineno + 1} lines"
        for p in sorted(folder.rglob("*.py"))
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]


@pytest.mark.parametrize("package", ["agent", "evaluator"])
def test_no_function_is_over_80_lines(package):
    """Every file under the package, in any subfolder: a new subpackage does not escape the rule."""
    long = _long_functions(ROOT / package)
    assert not long, "\n".join(long)


def test_evaluator_never_imports_agent():
    offenders = [
        f"{p.relative_to(ROOT)}:{line} imports {module}"
        for p in sorted((ROOT / "evaluator").rglob("*.py"))
        for line, module, _ in _imports(p)
        if module == "agent" or module.startswith("agent.")
    ]
    assert not offenders, "\n".join(offenders)


def test_every_exported_name_resolves():
    for name in evaluator.__all__:
        assert getattr(evaluator, name) is not None, name


def test_no_submodule_shadows_an_export():
    """Importing evaluator.X sets the package attribute X: a submodule named like an export (evaluate,
    race) would replace the function with the module for every later `from evaluator import X`."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(evaluator.__path__):
        importlib.import_module(f"evaluator.{info.name}")
        assert info.name not in evaluator.__all__, info.name
    for name in evaluator.__all__:
        assert not isinstance(getattr(evaluator, name), type(evaluator)), name


def test_type_checking_imports_match_the_lazy_exports():
    """The face lists its names twice (lazily for running code, eagerly for type checkers): same names,
    same owning modules."""
    tree = ast.parse((ROOT / "evaluator" / "__init__.py").read_text(encoding="utf-8"))
    block = next(n for n in ast.walk(tree) if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    eager = {a.name: node.module for node in ast.walk(block) if isinstance(node, ast.ImportFrom) for a in node.names}
    assert eager == evaluator._EXPORTS


# ------------------------------------------------------------ the folders are the where-it-runs table

EVALUATOR = ROOT / "evaluator"
TOP = "(top)"  # the face and the CLI: the caller's process
# What each folder may import (besides the standard library and third-party packages). The child (the jailed
# candidate) reaches only the shared code; the oracle never the child nor the candidate; worker and child never
# the parent; static/ only the shared code. Nothing imports the face (it imports every folder) nor `agent`.
FOLDER_MAY_IMPORT = {
    "shared": {"shared"},
    "static": {"shared", "static"},
    "parent": {"shared", "static", "parent"},
    "oracle": {"shared", "oracle"},
    "child": {"shared", "child"},
    "worker": {"shared", "oracle", "worker"},
    TOP: {"shared", "static", "parent", "oracle", "child", "worker"},
}


def _folder(module: str) -> str:
    """evaluator.shared.problem -> shared; evaluator, evaluator.__main__ -> (top)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (EVALUATOR / parts[1]).is_dir() else TOP


def _known(packages: tuple[str, ...]) -> dict[str, Path]:
    return {_module_name(p): p for package in packages for p in sorted((ROOT / package).rglob("*.py"))}


def _target(module: str, names: list[str], known: dict[str, Path]) -> list[str]:
    """The modules of `known` an import statement loads: `from a.b import c` is a.b.c when that is a module,
    else a.b; `import a.b.c` the longest known prefix."""
    hits = [f"{module}.{n}" for n in names if f"{module}.{n}" in known]
    if len(hits) < len(names) or not names:
        while module and module not in known:
            module = module.rpartition(".")[0]
        hits += [module] if module else []
    return hits


def _graph(packages: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """module -> {module it imports: line}, over every .py file under `packages` (function-local and
    TYPE_CHECKING imports included)."""
    known = _known(packages)
    graph: dict[str, dict[str, int]] = {}
    for name, path in known.items():
        edges = graph.setdefault(name, {})
        for line, module, names in _imports(path):
            for target in _target(module, names, known):
                if target != name:
                    edges.setdefault(target, line)
    return graph


def _cycle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    """One import circle (a -> b -> ... -> a), or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circle_in_evaluator_or_agent():
    """No module reaches itself back through imports, function-local ones included: each module can be
    read (and loaded) after the ones it imports."""
    graph = _graph(("evaluator", "agent"))
    assert len(graph) > 60
    found = _cycle(graph)
    assert found is None, (
        " -> ".join(f"{a} (line {graph[a][b]})" for a, b in zip(found, found[1:])) + f" -> {found[-1]}"
    )


def test_the_circle_finder_finds_a_circle():
    assert _cycle({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b": 1}, "b": {}, "c": {"a": 1, "b": 1}}) is None


def _folder_offenders(folder: str) -> list[str]:
    graph = _graph(("evaluator",))
    allowed = FOLDER_MAY_IMPORT[folder]
    return [
        f"{module}:{line} imports {target} ({_folder(target)}/ is not in {sorted(allowed)})"
        for module, edges in sorted(graph.items())
        if _folder(module) == folder
        for target, line in sorted(edges.items())
        if target == "evaluator" or _folder(target) not in allowed
    ]


@pytest.mark.parametrize("folder", sorted(FOLDER_MAY_IMPORT))
def test_each_folder_imports_only_what_it_may(folder):
    """The allow-list by folder: child/ only child/ and shared/; oracle/ never child/ (nor the candidate:
    no folder of the evaluator imports a candidate file by name); worker/ and child/ never parent/; static/
    only shared/; no folder imports the face."""
    offenders = _folder_offenders(folder)
    assert not offenders, "\n".join(offenders)


def test_the_named_rules_are_in_the_allow_list():
    """The rules the issue names, said once more against FOLDER_MAY_IMPORT, so that widening the list
    breaks a test that says why."""
    assert FOLDER_MAY_IMPORT["child"] == {"child", "shared"}
    assert "child" not in FOLDER_MAY_IMPORT["oracle"]
    assert "parent" not in FOLDER_MAY_IMPORT["worker"] | FOLDER_MAY_IMPORT["child"]
    assert FOLDER_MAY_IMPORT["static"] == {"static", "shared"}
    assert FOLDER_MAY_IMPORT["shared"] == {"shared"}


def test_the_warm_candidate_preloads_only_what_the_child_may_import():
    """The candidate's zygote imports its PRELOAD list by name (strings the import graph cannot see)."""
    from evaluator.child.zygote import PRELOAD

    ours = [m for m in PRELOAD["candidate"] if m.split(".")[0] == "evaluator"]
    assert ours and all(_folder(m) in FOLDER_MAY_IMPORT["child"] for m in ours), ours
    assert all(_folder(m) in FOLDER_MAY_IMPORT["oracle"] for m in PRELOAD["oracle"] if m.startswith("evaluator."))
    known = _known(("evaluator",))
    assert all(m in known for m in PRELOAD["candidate"] + PRELOAD["oracle"] if m.startswith("evaluator.")), PRELOAD


def test_every_evaluator_package_is_in_the_wheel():
    """A new folder must be listed in pyproject.toml's [tool.setuptools] packages, or the wheel misses it."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    packages = {_module_name(p) for package in ("evaluator", "agent") for p in (ROOT / package).rglob("__init__.py")}
    assert packages <= listed, sorted(packages - listed)


def _table() -> dict[str, tuple[set[str], list[str]]]:
    """The face's where-it-runs table: folder -> (the folders it may import, the modules it names)."""
    import re

    rows = [ln for ln in evaluator.__doc__.splitlines() if ln.startswith("| ") and not ln.startswith("| folder")]
    table = {}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        folder = cells[0].removesuffix("/")
        assert folder not in table, f"{folder} has two rows"
        may = set(re.findall(r"\w+", cells[-2])) - {"anything", "but", "agent"}
        table[folder] = (may, re.findall(r"[\w.]+", cells[-1]))
    return table


def test_the_where_it_runs_table_has_a_row_per_folder():
    """Every folder of the package is a row (and the face's own row), with the allow-list its imports are
    held to."""
    table = _table()
    folders = {p.parent.name for p in EVALUATOR.glob("*/__init__.py")}
    assert set(table) == folders | {TOP}
    for folder in folders:
        assert table[folder][0] == FOLDER_MAY_IMPORT[folder], folder


def test_the_where_it_runs_table_names_every_module_once():
    """The face's table of what runs where is the reader's map of the trust boundaries: it must name every
    module of the package, each once and in its own folder's row, and nothing that does not exist."""
    table = _table()
    named = [m for _, modules in table.values() for m in modules]
    assert sorted(named) == sorted(set(named)), "a module is named twice"
    on_disk = [
        ".".join(p.relative_to(EVALUATOR).with_suffix("").parts)
        for p in EVALUATOR.rglob("*.py")
        if p.name != "__init__.py"
    ]
    assert sorted(named) == sorted(on_disk)
    for folder, (_, modules) in table.items():
        for module in modules:
            assert _folder(f"evaluator.{module}") == folder, f"{module} is in the row of {folder}"


def test_no_two_contract_mixins_define_one_name():
    """The contract's rules are mixins of one class: a method two of them define is silently the first one's (a
    second `_ctx` once stood unused in Calls while Places' ran), so each name lives in one module."""
    from evaluator.static.contract.checker import _Contract

    owners: dict[str, list[str]] = {}
    for base in _Contract.__mro__[1:-1]:
        for name in vars(base):
            if not name.startswith("__"):
                owners.setdefault(name, []).append(base.__name__)
    assert {n: o for n, o in owners.items() if len(o) > 1} == {}
