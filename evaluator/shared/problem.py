"""A problem: a KernelBench-format reference file plus named shape sets.

    from evaluator.shared.loader import load_problem      # loading is its own module (evaluator.shared.loader)
    p = load_problem("conv2d_scale_min")          # kernels/conv2d_scale_min/reference.py
    p.cases("small")                               # [ShapeCase(set='small', index=0, ...)]

A problem file defines `Model`, `get_inputs()` and `get_init_inputs()` (KernelBench format). It may
also define `SHAPES`, named shape sets as data; each case is one of

    {"constants": {"batch_size": 4, "dim": 37}}   # the file's own get_inputs/get_init_inputs, with
                                                  # these module-level integers re-bound (derived sets)
    {"init": [3, 5], "inputs": [[2, 3, 8, 8],     # a float32 torch.rand tensor of this shape
                                {"shape": [2], "dtype": "int64", "dist": "randint", "low": 0, "high": 5},
                                {"shape": [2, 8], "dist": "bool", "p": 0.5},
                                {"shape": [2, 8], "dtype": "float16", "dist": "normal", "std": 2.0},
                                0.5]}             # a non-tensor argument, passed as is

Draw rules (`dist`): rand (uniform [0, 1), KernelBench's usual), randn, uniform [low, high), normal
(mean, std), randint [low, high) (integer class targets, int64 by default), bool (True with
probability p), get_inputs (the file's own function). A plain KernelBench file has one set, `full`,
drawn by its own `get_inputs()`.

`MODE` (optional, "train" or "eval"): KernelBench calls both models as constructed, i.e. in training
mode (BatchNorm uses batch statistics and updates its running stats, dropout is on); that is the
default here too. A file may declare `MODE = "eval"` to have both models put in `.eval()`.

Loading imports the reference file (trusted code) but allocates nothing: shapes are read on the
`meta` device. Without CUDA, a problem with no `small` set whose own shapes do not fit the CPU's
budget gets one derived on the fly (evaluator.shared.derive), or is refused with the reason.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import importlib.util
import sys
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

SET_ORDER = ("small", "odd", "full")  # cheap first: the evaluator runs sets in this order
Dist = Literal["rand", "randn", "uniform", "normal", "randint", "bool", "get_inputs"]
DEFAULT_DTYPE = {"randint": "int64", "bool": "bool"}  # every other rule draws float32 unless told


class ProblemError(ValueError):
    """A problem that cannot be loaded; the message is one line for the user."""


class InputSpec(BaseModel):
    """One positional input of forward(): a random tensor drawn by `dist`, or a plain value."""

    shape: list[int] | None = None
    dtype: str | None = None  # None: float32, int64 for randint, bool for bool
    dist: Dist = "rand"
    low: float | None = None  # uniform [low, high) (default 0, 1); randint [low, high) (low default 0)
    high: float | None = None
    mean: float = 0.0  # normal
    std: float = 1.0
    p: float = 0.5  # bool: probability of True
    value: Any = None  # non-tensor input (shape is None)

    @model_validator(mode="after")
    def _check(self) -> "InputSpec":
        if self.dtype is None:
            self.dtype = DEFAULT_DTYPE.get(self.dist, "float32")
        import torch

        if not isinstance(getattr(torch, self.dtype, None), torch.dtype):
            raise ValueError(f"unknown dtype {self.dtype!r} (e.g. float32, float16, bfloat16, int64, bool)")
        if self.dist == "randint" and self.high is None:
            raise ValueError("an input drawn with randint needs 'high' (exclusive), e.g. the number of classes")
        if not 0.0 <= self.p <= 1.0:
            raise ValueError(f"p={self.p} is not a probability")
        return self

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
    constants: dict[str, int] | None = None  # re-bound module-level integers (inputs from get_inputs)

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
    mode: Literal["train", "eval"] | None = None  # None: as constructed (KernelBench: training mode)
    notes: list[str] = Field(default_factory=list)  # what loading derived (e.g. a small set on the fly)

    @property
    def seed_path(self) -> Path:
        return self.path.parent / "seed.py"

    @property
    def mode_text(self) -> str:
        if self.mode == "eval":
            return "eval mode (the problem declares MODE = \"eval\")"
        return "training mode, as constructed (KernelBench semantics: no .eval() call)"

    def set_names(self, which: str) -> list[str]:
        """`all` -> every set, cheap first; otherwise the one named set."""
        if which == "all":
            known = [s for s in SET_ORDER if s in self.sets]
            return known + sorted(s for s in self.sets if s not in SET_ORDER)
        if which not in self.sets:
            raise ProblemError(f"problem {self.name!r} has no shape set {which!r} (has: {', '.join(self.sets)})")
        return [which]

    def cases(self, which: str) -> list[ShapeCase]:
        return [c for s in self.set_names(which) for c in self.sets[s]]

    def cases_of(self, sets: list[str]) -> list[ShapeCase]:
        return [c for s in sets for c in self.sets[s]]

    def timed_cases(self, sets: list[str] | None = None) -> list[ShapeCase]:
        """The cases timed when `sets` are evaluated (default: every set): the `full` set if it is among them,
        else every evaluated case. One rule for the evaluation, the race and the prompt (evaluator.parent.plan)."""
        names = list(self.sets) if sets is None else sets
        return list(self.sets["full"]) if "full" in names and "full" in self.sets else self.cases_of(names)


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


# ---------------------------------------------------------------- module-level integer constants


SIZE_FUNCTIONS = ("get_inputs", "get_init_inputs")
_FOLD = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
    ast.LShift: lambda a, b: a << b,
    ast.Pow: lambda a, b: a**b if 0 <= b <= 64 else None,
}


def int_value(node: ast.AST) -> int | None:
    """The value of an integer expression built from literals only (`2048 * 2`, `1 << 14`, `-1`), else None."""
    if isinstance(node, ast.Constant):
        return node.value if type(node.value) is int else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = int_value(node.operand)
        return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, ast.BinOp) and type(node.op) in _FOLD:
        a, b = int_value(node.left), int_value(node.right)
        if a is None or b is None or (isinstance(node.op, (ast.FloorDiv, ast.Mod)) and b == 0):
            return None
        return _FOLD[type(node.op)](a, b)
    return None


def _bindings(node: ast.stmt) -> list[tuple[str, ast.expr]]:
    """(name, value) pairs a module-level assignment binds: `a = b = 4`, `a: int = 4`, and unpacking
    `depth, height, width = 24, 48, 48`."""
    if isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
        return [(node.target.id, node.value)]
    if not isinstance(node, ast.Assign):
        return []
    pairs = [(t.id, node.value) for t in node.targets if isinstance(t, ast.Name)]
    for t in node.targets:
        if (
            isinstance(t, (ast.Tuple, ast.List))
            and isinstance(node.value, (ast.Tuple, ast.List))
            and len(t.elts) == len(node.value.elts)
            and all(isinstance(e, ast.Name) for e in t.elts)
        ):
            pairs += [(e.id, v) for e, v in zip(t.elts, node.value.elts)]
    return pairs


def _int_literals(fn: ast.FunctionDef) -> list[ast.Constant]:
    """A function's integer literals in a fixed order (ast.walk), so `get_inputs[k]` names the same one in
    every parse of the same source."""
    return [n for n in ast.walk(fn) if isinstance(n, ast.Constant) and type(n.value) is int]


def _init_defaults(cls: ast.ClassDef) -> list[tuple[str, ast.expr]]:
    init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
    if init is None:
        return []
    a = init.args
    positional = (a.posonlyargs + a.args)[len(a.posonlyargs + a.args) - len(a.defaults) :]
    pairs = list(zip([x.arg for x in positional], a.defaults))
    pairs += [(x.arg, d) for x, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None]
    return pairs


def size_sites(source: str) -> dict[str, int]:
    """Every integer of a KernelBench file a derived shape set may re-bind, by name (last binding wins):

    - `name`: a module-level `name = <integer expression of literals>` (`batch_size = 16`, `N = 2048 * 2`,
      chained `h = w = 256`);
    - `name[i]`: an integer element of a module-level tuple or list (`input_shape = (32768,)`);
    - `get_inputs[k]`, `get_init_inputs[k]`: the k-th integer literal written in that function
      (`torch.rand(batch_size, 3, 224, 224)`, `return [32]`);
    - `Model.__init__.arg`: an integer default of Model's constructor (`num_classes=1000`), which serves
      when get_init_inputs does not pass that argument.

    Expressions that name other constants (`features = 4 * dim`) are not sites: they are recomputed from
    their re-bound names when the file executes."""
    found: dict[str, int] = {}
    for node in ast.parse(source).body:
        for name, value in _bindings(node):
            v = int_value(value)
            if v is not None:
                found[name] = v
            elif isinstance(value, (ast.Tuple, ast.List)):
                for i, elt in enumerate(value.elts):
                    v = int_value(elt)
                    if v is not None:
                        found[f"{name}[{i}]"] = v
        if isinstance(node, ast.FunctionDef) and node.name in SIZE_FUNCTIONS:
            found.update({f"{node.name}[{k}]": c.value for k, c in enumerate(_int_literals(node))})
        elif isinstance(node, ast.ClassDef) and node.name == "Model":
            for arg, d in _init_defaults(node):
                v = int_value(d)
                if v is not None:
                    found[f"Model.__init__.{arg}"] = v
    return found


def int_constants(source: str) -> dict[str, int]:
    """Module-level integer constants (`name = <integer expression of literals>`); see size_sites."""
    return {n: v for n, v in size_sites(source).items() if "[" not in n and "." not in n}


def rebind_source(source: str, values: dict[str, int]) -> str:
    """The source with these size sites (size_sites names them) set to new integers; expressions built
    from re-bound names (`hidden = 4 * dim`) are recomputed when the result executes. Unknown names raise
    ProblemError."""
    tree = ast.parse(source)
    known = size_sites(source)
    missing = set(values) - set(known)
    if missing:
        raise ProblemError(f"no module-level integer constant named {', '.join(sorted(missing))}")
    body = []
    for node in tree.body:
        pairs = _bindings(node)
        if any(n in values or any(k.startswith(n + "[") for k in values) for n, _ in pairs):
            body += _rebound_assignments(node, pairs, values)
            continue
        if isinstance(node, ast.FunctionDef) and node.name in SIZE_FUNCTIONS:
            for k, c in enumerate(_int_literals(node)):
                if f"{node.name}[{k}]" in values:
                    c.value = values[f"{node.name}[{k}]"]
        elif isinstance(node, ast.ClassDef) and node.name == "Model" and any(k.startswith("Model.") for k in values):
            _rebind_init_defaults(node, values)
        body.append(node)
    tree.body = body
    return ast.unparse(ast.fix_missing_locations(tree))


def _rebound_assignments(node: ast.stmt, pairs: list[tuple[str, ast.expr]], values: dict[str, int]) -> list[ast.Assign]:
    """One statement per bound name, with its new integer (or tuple elements): `h = w = 256` or
    `d, h, w = 24, 48, 48` may get different new values."""
    out = []
    for n, value in pairs:
        if int_value(value) is not None:
            value = ast.Constant(values.get(n, int_value(value)))
        elif isinstance(value, (ast.Tuple, ast.List)):
            elts = [
                ast.Constant(values[f"{n}[{i}]"]) if f"{n}[{i}]" in values and int_value(e) is not None else e
                for i, e in enumerate(value.elts)
            ]
            value = type(value)(elts=elts, ctx=ast.Load())
        out.append(ast.copy_location(ast.Assign(targets=[ast.Name(n, ast.Store())], value=value), node))
    return out


def _rebind_init_defaults(cls: ast.ClassDef, values: dict[str, int]) -> None:
    """Model.__init__'s defaults named `Model.__init__.<arg>` in values, set in place."""
    init = next(f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
    defaults = init.args.defaults
    positional = (init.args.posonlyargs + init.args.args)[-len(defaults) :] if defaults else []
    for i, x in enumerate(positional):
        if f"Model.__init__.{x.arg}" in values:
            defaults[i] = ast.copy_location(ast.Constant(values[f"Model.__init__.{x.arg}"]), defaults[i])
    for i, x in enumerate(init.args.kwonlyargs):
        if f"Model.__init__.{x.arg}" in values and init.args.kw_defaults[i] is not None:
            d = init.args.kw_defaults[i]
            init.args.kw_defaults[i] = ast.copy_location(ast.Constant(values[f"Model.__init__.{x.arg}"]), d)


@lru_cache(maxsize=64)
def _rebound(path: str, source_hash: str, items: tuple[tuple[str, int], ...]) -> ModuleType:
    source = Path(path).read_text(encoding="utf-8")
    module = ModuleType(f"_problem_rebound_{abs(hash(items))}")
    module.__file__ = path
    sys.modules[module.__name__] = module
    try:
        exec(compile(rebind_source(source, dict(items)), path, "exec"), module.__dict__)  # trusted reference
    finally:
        sys.modules.pop(module.__name__, None)
    return module


def rebound_module(module_or_path, constants: dict[str, int] | None) -> ModuleType:
    """The problem module with module-level integers re-bound (cached); as is when there are none."""
    if not constants and isinstance(module_or_path, ModuleType):
        return module_or_path
    path = str(getattr(module_or_path, "__file__", module_or_path))
    if not constants:
        return import_file(Path(path), "_problem_plain")
    data = Path(path).read_bytes()
    return _rebound(path, hashlib.sha256(data).hexdigest(), tuple(sorted(constants.items())))


def case_module(problem_module: ModuleType, case: ShapeCase) -> ModuleType:
    """The module whose Model/get_inputs serve this case: re-bound for a derived (constants) case."""
    return rebound_module(problem_module, case.constants) if case.constants else problem_module


# ---------------------------------------------------------------- models: mode, construction, checks


def declared_mode(module: ModuleType) -> Literal["train", "eval"] | None:
    mode = getattr(module, "MODE", None)
    if mode not in (None, "train", "eval"):
        raise ProblemError(f"MODE = {mode!r}: expected \"train\" or \"eval\"")
    return mode


def apply_mode(model, problem_module: ModuleType):
    """Put a model (reference or candidate) in the problem's mode; none declared: as constructed."""
    mode = declared_mode(problem_module)
    if mode is not None:
        model.train(mode == "train")
    return model


def build_model(problem_module: ModuleType, case: ShapeCase, device):
    """The reference Model for a case, on `device`, in the problem's mode."""
    return apply_mode(case_module(problem_module, case).Model(*case.init).to(device), problem_module)


def snapshot(model):
    """A copy of a model before a call that may change its buffers (training-mode BatchNorm); the
    model itself when it has no buffers (nothing a call can change)."""
    return copy.deepcopy(model) if any(True for _ in model.buffers()) else model


# ---------------------------------------------------------------- a case read from the file


def meta_case(module: ModuleType, set_name: str, index: int, constants: dict[str, int] | None) -> ShapeCase:
    """A case read from the file's own get_init_inputs/get_inputs (re-bound), on the meta device."""
    import torch

    mod = rebound_module(module, constants) if constants else module
    with torch.device("meta"):
        init = list(mod.get_init_inputs())
        inputs = list(mod.get_inputs())
    specs = []
    for x in inputs:
        if isinstance(x, torch.Tensor):
            specs.append(InputSpec(shape=list(x.shape), dtype=str(x.dtype).removeprefix("torch."), dist="get_inputs"))
        else:
            specs.append(InputSpec(value=x))
    return ShapeCase(set=set_name, index=index, init=init, inputs=specs, constants=constants or None)
