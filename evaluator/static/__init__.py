"""Static checks: the cheapest gate, on the candidate's source alone (AST, nothing executed).

    from evaluator.static import check_source, static_findings
    problems = check_source(code)      # [] when the candidate may go on to the compile gate
    found = static_findings(code)      # the same as Findings: rule (a slug), line, message

Each message is a complete sentence an LLM can act on. Besides the structure (ModelNew, a launched
@triton.jit or @gluon.jit kernel), evaluator.static.bans rejects constructs that do the work in PyTorch or
reach the harness, the file system or the network (evaluator.static.scan); `bans=False` skips those (tests
of the runtime defences).
"""

from __future__ import annotations

import ast

from evaluator.static.bans import MAX_FINDINGS
from evaluator.static.contract import GLUON_DECORATORS, check_contract
from evaluator.static.finding import Finding
from evaluator.static.scan import find_bans
from evaluator.static.source import source_findings

MAX_BYTES = MAX_SOURCE_BYTES = 1_000_000  # a real kernel file is a few KB; anything this large is not a kernel


def _decorator_names(node: ast.FunctionDef) -> set[str]:
    names = set()
    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        names.add(ast.unparse(target))
    return names


# Decorators that make a function Triton device code. Gluon (`triton.experimental.gluon`) is Triton too:
# its JITFunction subclasses triton's, so launches, the launch counter and the kernel audit are shared.
TRITON_JIT = frozenset({"triton.jit", "jit", "tl.jit"})
GLUON_JIT = GLUON_DECORATORS


def is_triton_jit(decorator: str) -> bool:
    """Whether a decorator's source text (`ast.unparse` of it) makes a Triton or Gluon kernel."""
    return decorator in TRITON_JIT or decorator in GLUON_JIT


def jit_functions(tree: ast.Module) -> set[str]:
    """Module-level functions decorated with triton.jit or gluon.jit (directly or under autotune/heuristics)."""
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and any(map(is_triton_jit, _decorator_names(node)))
    }


def gluon_functions(tree: ast.Module) -> set[str]:
    """Module-level @gluon.jit functions: Gluon runs only on a GPU (no interpreter), see evaluation.py."""
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and _decorator_names(node) & GLUON_JIT}


def uses_gluon(code: str) -> bool:
    try:
        return bool(gluon_functions(ast.parse(code)))
    except SyntaxError:
        return False


def launched_kernels(tree: ast.Module, kernels: set[str]) -> set[str]:
    """Kernels launched as `kernel[grid](...)` anywhere in the module."""
    launched = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Subscript):
            base = node.func.value
            if isinstance(base, ast.Name) and base.id in kernels:
                launched.add(base.id)
    return launched


def check_source(code: str, bans: bool = True) -> list[str]:
    return [f.message for f in static_findings(code, bans)]


def static_findings(
    code: str, bans: bool = True, inputs: tuple[bool, ...] | None = None, init: tuple[str, ...] | None = None
) -> list[Finding]:
    """inputs: for each positional input the problem passes to ModelNew.forward, whether it may be a tensor
    (forward_inputs(cases)); None types every input as a tensor. init: the same for ModelNew's constructor
    arguments ("number", "plain" or "object": init_inputs(cases)); None leaves them untyped.

    Never raises: a source that breaks the checks themselves (RecursionError on a 1,500-term expression, a
    MemoryError) is a static_error with a message, not a crash of the evaluator."""
    try:
        return _static_findings(code, bans, inputs, init)
    except (RecursionError, MemoryError) as e:
        return [
            Finding(
                "static_error",
                1,
                f"Line 1: the static checks could not analyse this source "
                f"({type(e).__name__}: an expression or nesting far deeper than a kernel needs); simplify it.",
            )
        ]
    except Exception as e:  # noqa: BLE001 - a bug in a check must not crash the evaluator either
        return [Finding("static_error", 0, f"The static checks failed on this source ({type(e).__name__}: {e}).")]


def forward_inputs(cases) -> tuple[bool, ...]:
    """For each position of forward's inputs over these ShapeCases: True where any case passes a tensor (or a
    value drawn by the file's get_inputs that was a tensor), False where every case that fills it passes a
    Python value (`dim = 1`). The contract then types `dim < 0` on it as the arithmetic on sizes it is."""
    width = max((len(c.inputs) for c in cases), default=0)
    return tuple(any(len(c.inputs) > j and not _plain(c.inputs[j]) for c in cases) for j in range(width))


def init_inputs(cases) -> tuple[str, ...]:
    """For each positional argument ModelNew is built with over these ShapeCases (the problem's get_init_inputs):
    "number" where every case passes a number, string, bool or None, "numbers" where every case passes a list or
    tuple of those (`layer_sizes = [400, 800]`), "plain" where every case passes a plain Python value (`[[1], {}]`
    too), "object" otherwise. The contract then types the sizes `__init__` is given (`hidden = 64`, `for size in
    layer_sizes`) as the immutable numbers they are, not as objects a layer may have filled."""
    width = max((len(c.init) for c in cases), default=0)
    given = [[c.init[j] for c in cases if len(c.init) > j] for j in range(width)]
    return tuple(
        "number"
        if all(_number(v) for v in vs)
        else "numbers"
        if all(isinstance(v, (list, tuple)) and all(_number(x) for x in v) for v in vs)
        else "plain"
        if all(_plain_value(v) for v in vs)
        else "object"
        for vs in given
    )


def _number(v) -> bool:
    return v is None or isinstance(v, (bool, int, float, str))


def _plain(spec) -> bool:
    """An input spec of a Python value with no tensor in it (a `get_inputs` that returns a list of tensors as one
    input is not plain)."""
    return spec.shape is None and _plain_value(spec.value)


def _plain_value(v) -> bool:
    """A number, string, bool or None, or a list/tuple/dict of them."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return True
    if isinstance(v, (list, tuple)):
        return all(_plain_value(x) for x in v)
    if isinstance(v, dict):
        return all(_plain_value(k) and _plain_value(x) for k, x in v.items())
    return False


def _static_findings(
    code: str, bans: bool = True, inputs: tuple[bool, ...] | None = None, init: tuple[str, ...] | None = None
) -> list[Finding]:
    if len(code.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return [
            Finding(
                "too_large", 0, f"The candidate is larger than {MAX_BYTES // 1000} KB; send only the kernel module."
            )
        ]
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        line = (e.text or "").rstrip()
        return [
            Finding(
                "syntax",
                e.lineno or 0,
                f"SyntaxError at line {e.lineno}: {e.msg}" + (f": `{line.strip()}`" if line else ""),
            )
        ]
    problems = []
    classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    if "ModelNew" not in classes:
        problems.append(
            Finding(
                "no_modelnew",
                0,
                "No top-level `class ModelNew(nn.Module)` is defined; the "
                "evaluator constructs ModelNew with the same arguments as Model and calls its forward.",
            )
        )
    kernels = jit_functions(tree)
    if not kernels:
        problems.append(
            Finding(
                "no_kernel",
                0,
                "No top-level `@triton.jit` (or `@gluon.jit`) function is defined; "
                "the work must be done by Triton kernels.",
            )
        )
    elif not launched_kernels(tree, kernels):
        problems.append(
            Finding(
                "kernel_not_launched",
                0,
                f"The Triton kernel(s) {', '.join(sorted(kernels))} are "
                "never launched; call one as `kernel[grid](...)` from ModelNew.forward.",
            )
        )
    if bans:
        found = find_bans(tree, kernels)
        # the contract (an allow-list) after the specific bans: a construct both refuse keeps the ban's
        # more specific message, and its line is named once
        seen = {f.line for f in found}
        found += [f for f in source_findings(code, tree, kernels) if f.line not in seen]
        seen = {f.line for f in found}
        found += [f for f in check_contract(tree, kernels, inputs, init) if f.line not in seen]
        problems += sorted(found, key=lambda f: f.line)[:MAX_FINDINGS]
    return problems
