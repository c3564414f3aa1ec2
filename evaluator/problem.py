"""A problem: a KernelBench-format reference file plus named shape sets.

    from evaluator.problem import load_problem
    p = load_problem("conv2d_scale_min")          # kernels/conv2d_scale_min/reference.py
    p = load_problem("path/to/any_kernelbench.py")
    p.cases("small")                               # [ShapeCase(set='small', index=0, ...)]

A problem file defines `Model`, `get_inputs()` and `get_init_inputs()`. It may also define
`SHAPES = {"small": [{"init": [...], "inputs": [[N, C, H, W], ...]}], "full": [...], ...}`: input
tensors are drawn with `torch.rand` (KernelBench's convention) in float32 unless an input is given as
`{"shape": [...], "dtype": "float16", "dist": "randn"}`. A plain KernelBench file has one set, `full`,
whose inputs come from its own `get_inputs()` under a fresh seed.

Loading a problem imports the reference file (trusted code) but allocates nothing: shapes of a plain
KernelBench file are read on the `meta` device.
"""
from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from pydantic import BaseModel, Field

from evaluator.paths import data_dir, problem_dirs

KERNELS_DIR = data_dir("kernels")  # the shipped problems; names are looked up in problem_dirs() (./kernels first)
SET_ORDER = ("small", "odd", "full")  # cheap first: the evaluator runs sets in this order


class ProblemError(ValueError):
    """A problem that cannot be loaded; the message is one line for the user."""


class InputSpec(BaseModel):
    """One positional input of forward(): a random tensor, or a plain value passed as is."""

    shape: list[int] | None = None
    dtype: str = "float32"
    dist: Literal["rand", "randn", "get_inputs"] = "rand"
    value: Any = None  # non-tensor input (shape is None)

    def describe(self) -> str:
        if self.shape is None:
            return repr(self.value)
        dt = "" if self.dtype == "float32" else f" {self.dtype}"
        return "x".join(map(str, self.shape)) + dt


class ShapeCase(BaseModel):
    set: str
    index: int
    init: list[Any]
    inputs: list[InputSpec]

    @property
    def label(self) -> str:
        return f"{self.set}[{self.index}]"

    def describe(self) -> str:
        return ", ".join(i.describe() for i in self.inputs)

    @property
    def numel(self) -> int:
        total = 0
        for spec in self.inputs:
            if spec.shape is not None:
                n = 1
                for d in spec.shape:
                    n *= d
                total += n
        return total


class Problem(BaseModel):
    name: str
    path: Path
    sets: dict[str, list[ShapeCase]] = Field(default_factory=dict)
    source_hash: str

    @property
    def seed_path(self) -> Path:
        return self.path.parent / "seed.py"

    def set_names(self, which: str) -> list[str]:
        """`all` -> every set, cheap first; otherwise the one named set."""
        if which == "all":
            known = [s for s in SET_ORDER if s in self.sets]
            return known + sorted(s for s in self.sets if s not in SET_ORDER)
        if which not in self.sets:
            raise ProblemError(
                f"problem {self.name!r} has no shape set {which!r} (has: {', '.join(self.sets)})"
            )
        return [which]

    def cases(self, which: str) -> list[ShapeCase]:
        return [c for s in self.set_names(which) for c in self.sets[s]]


def resolve_path(name_or_path: str) -> tuple[str, Path]:
    """Problem name (a folder under kernels/) or a path to a KernelBench-format file."""
    p = Path(name_or_path)
    if p.suffix == ".py" or p.exists():
        if not p.is_file():
            raise ProblemError(f"problem file not found: {name_or_path}")
        # A problem folder's reference.py is named after its folder, like kernels/<name>/.
        return (p.resolve().parent.name if p.name == "reference.py" else p.stem), p.resolve()
    dirs = problem_dirs()
    ref = next((d / name_or_path / "reference.py" for d in dirs if (d / name_or_path / "reference.py").is_file()), None)
    if ref is None:
        known = sorted({d.name for k in dirs for d in k.iterdir() if (d / "reference.py").is_file()})
        raise ProblemError(
            f"unknown problem {name_or_path!r}: expected kernels/{name_or_path}/reference.py "
            f"or a path to a .py file (known: {', '.join(known) or 'none'})"
        )
    return name_or_path, ref.resolve()


def import_file(path: Path, module_name: str) -> ModuleType:
    """Import a Python file as a fresh module (not cached in sys.modules)."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses/pickling look the module up while it executes
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(module_name, None)
    return module


def _spec(item: Any) -> InputSpec:
    if isinstance(item, dict):
        return InputSpec(**item)
    if isinstance(item, (list, tuple)) and all(isinstance(d, int) for d in item):
        return InputSpec(shape=list(item))
    return InputSpec(value=item)


def _sets_from_kernelbench(module: ModuleType) -> dict[str, list[ShapeCase]]:
    import torch

    with torch.device("meta"):
        init = list(module.get_init_inputs())
        inputs = list(module.get_inputs())
    specs = []
    for x in inputs:
        if isinstance(x, torch.Tensor):
            specs.append(InputSpec(shape=list(x.shape), dtype=str(x.dtype).removeprefix("torch."),
                                   dist="get_inputs"))
        else:
            specs.append(InputSpec(value=x))
    return {"full": [ShapeCase(set="full", index=0, init=init, inputs=specs)]}


def load_problem(name_or_path: str) -> Problem:
    name, path = resolve_path(name_or_path)
    try:
        source = path.read_bytes()
        source.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ProblemError(f"cannot read problem file {path}: {e}") from None
    try:
        module = import_file(path, f"_problem_{name}")
    except Exception as e:  # the file is broken: say so in one line
        raise ProblemError(f"problem file {path} failed to import: {type(e).__name__}: {e}") from None
    missing = [a for a in ("Model", "get_inputs", "get_init_inputs") if not hasattr(module, a)]
    if missing:
        raise ProblemError(f"problem file {path} is not in KernelBench format: missing {', '.join(missing)}")
    raw = getattr(module, "SHAPES", None)
    try:
        if raw is None:
            sets = _sets_from_kernelbench(module)
        else:
            sets = {
                set_name: [
                    ShapeCase(set=set_name, index=i, init=list(case["init"]),
                              inputs=[_spec(x) for x in case["inputs"]])
                    for i, case in enumerate(cases)
                ]
                for set_name, cases in raw.items()
            }
    except Exception as e:
        raise ProblemError(f"problem file {path} has unusable shapes: {type(e).__name__}: {e}") from None
    return Problem(name=name, path=path, sets=sets, source_hash=hashlib.sha256(source).hexdigest()[:16])
