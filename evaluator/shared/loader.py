"""Loading a problem: a name under kernels/, a problem folder or any KernelBench file, into a Problem.

    from evaluator.shared.loader import load_problem
    p = load_problem("conv2d_scale_min")          # kernels/conv2d_scale_min/reference.py
    p = load_problem("kernels/conv2d_scale_min")  # a problem folder
    p = load_problem("path/to/any_kernelbench.py")

The file's format and its SHAPES are evaluator.shared.problem's; without CUDA, a problem with no `small`
set whose own shapes do not fit the CPU's budget gets one derived on the fly (evaluator.shared.derive), or
is refused with the reason. Its own module so that the problem's types, which derive and inputs build on,
do not import them back; loading imports no torch until a set is derived (a CLI's --help stays quick).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import ValidationError

from evaluator.shared.paths import data_dir, problem_dirs
from evaluator.shared.problem import (
    InputSpec,
    Problem,
    ProblemError,
    ShapeCase,
    declared_mode,
    import_file,
    meta_case,
)

KERNELS_DIR = data_dir("kernels")  # the shipped problems; names are looked up in problem_dirs() (./kernels first)


def resolve_path(name_or_path: str) -> tuple[str, Path]:
    """Problem name (a folder under kernels/), a problem folder, or a path to a KernelBench file."""
    p = Path(name_or_path)
    if p.is_dir():
        if not (p / "reference.py").is_file():
            raise ProblemError(f"problem folder {name_or_path} has no reference.py")
        return p.resolve().name, (p / "reference.py").resolve()
    if p.suffix == ".py" or p.exists() or "/" in name_or_path:
        if not p.is_file():
            raise ProblemError(f"problem file not found: {name_or_path}")
        # A problem folder's reference.py is named after its folder, like kernels/<name>/.
        return (p.resolve().parent.name if p.name == "reference.py" else p.stem), p.resolve()
    dirs = problem_dirs()
    ref = next((d / name_or_path / "reference.py" for d in dirs if (d / name_or_path / "reference.py").is_file()), None)
    if ref is None:
        known = sorted({d.name for k in dirs for d in k.iterdir() if (d / "reference.py").is_file()})
        raise ProblemError(
            f"unknown problem {name_or_path!r}: expected kernels/{name_or_path}/reference.py, a problem "
            f"folder or a path to a .py file (known: {', '.join(known) or 'none'})"
        )
    return name_or_path, ref.resolve()


def _spec(item: Any) -> InputSpec:
    if isinstance(item, dict):
        return InputSpec(**item)
    if isinstance(item, (list, tuple)) and all(isinstance(d, int) for d in item):
        return InputSpec(shape=list(item))
    return InputSpec(value=item)


def _case(module: ModuleType, set_name: str, index: int, raw: Any) -> ShapeCase:
    if not isinstance(raw, dict):
        raise ValueError(f"SHAPES[{set_name!r}][{index}] is a {type(raw).__name__}, not a dict")
    if "constants" in raw:
        constants = {str(k): int(v) for k, v in (raw["constants"] or {}).items()}
        return meta_case(module, set_name, index, constants)
    specs = []
    for k, x in enumerate(raw["inputs"]):
        try:
            specs.append(_spec(x))
        except ValidationError as e:
            msg = e.errors()[0]["msg"].removeprefix("Value error, ")
            raise ProblemError(f"SHAPES[{set_name!r}][{index}] input #{k}: {msg}") from None
    return ShapeCase(set=set_name, index=index, init=list(raw["init"]), inputs=specs)


def load_problem(name_or_path: str, derive_small: bool | None = None, name: str | None = None) -> Problem:
    """`derive_small`: None derives a missing small set only without CUDA; False never; True always.
    `name` overrides the name taken from the path (agent.problem's --name), in errors too."""
    resolved, path = resolve_path(name_or_path)
    name = name or resolved
    try:
        source = path.read_bytes()
        source.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ProblemError(f"cannot read problem file {path}: {e}") from None
    try:
        module = import_file(path, f"_problem_{resolved}")
    except (Exception, SystemExit) as e:  # the file is broken (or calls exit() at import): say so in one line
        raise ProblemError(f"problem {name}: {path} failed to import: {type(e).__name__}: {e}") from None
    missing = [a for a in ("Model", "get_inputs", "get_init_inputs") if not hasattr(module, a)]
    if missing:
        raise ProblemError(f"problem {name}: {path} is not in KernelBench format: missing {', '.join(missing)}")
    raw = getattr(module, "SHAPES", None)
    try:
        mode = declared_mode(module)
        if raw is None:
            sets = {"full": [meta_case(module, "full", 0, None)]}
        else:
            sets = {
                set_name: [_case(module, set_name, i, case) for i, case in enumerate(cases)]
                for set_name, cases in raw.items()
            }
    except ProblemError as e:
        raise ProblemError(f"problem {name}: {e}") from None
    except (Exception, SystemExit) as e:
        msg = str(e).splitlines()[0] if str(e) else ""
        raise ProblemError(f"problem {name}: {path} has unusable shapes: {type(e).__name__}: {msg}") from None
    problem = Problem(name=name, path=path, sets=sets, source_hash=hashlib.sha256(source).hexdigest()[:16], mode=mode)
    if "small" not in sets and _want_small(derive_small):
        from evaluator.shared.derive import derive_small_on_the_fly  # torch: only when a set is derived

        derive_small_on_the_fly(problem, module)
    return problem


def _want_small(derive_small: bool | None) -> bool:
    if derive_small is not None:
        return derive_small
    import torch

    return not torch.cuda.is_available()
