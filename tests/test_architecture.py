"""The seams hold: `agent` reaches the evaluator only through its face (evaluator/__init__.py), the
evaluator never imports `agent`, and every name the face promises exists.
"""

import ast
from pathlib import Path

import pytest

import evaluator

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every import in a file, function-local ones included."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module, [a.name for a in node.names]))
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


def test_no_import_circle_between_worker_and_race():
    """race runs inside the worker (mode "race") but must not reach back into it."""
    race = [m for _, m, _ in _imports(ROOT / "evaluator" / "racing.py")]
    assert "evaluator.worker" not in race, race


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


def test_the_where_it_runs_table_names_every_module_once():
    """The face's table of what runs where is the reader's map of the trust boundaries: it must name every
    module of the package, each in one row, and nothing that does not exist."""
    import re

    doc = evaluator.__doc__
    rows = [ln for ln in doc.splitlines() if ln.startswith("| ") and not ln.startswith(("| part", "|---"))]
    named = [m for row in rows for m in re.findall(r"[\w.]+", row.rsplit("|", 2)[1])]
    on_disk = [
        ".".join(p.relative_to(ROOT / "evaluator").with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "evaluator").rglob("*.py")
        if p.name != "__init__.py" or p.parent != ROOT / "evaluator"
    ]
    assert sorted(named) == sorted(set(named)), "a module is named in two rows"
    assert sorted(named) == sorted(on_disk)
