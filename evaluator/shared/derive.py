"""Derived shape sets and work floors for any KernelBench-format problem.

    from evaluator.shared.derive import derive_sets, work_floors, fits_cpu
    d = derive_sets(path)            # Derivation(small={"batch_size": 4, ...}, odd={...}, tried=[...], log=[...])
    flops, nbytes = work_floors(problem_module, case)   # on the meta device: nothing is allocated

Shapes: KernelBench files size their inputs with module-level integers (`batch_size = 4096`,
`dim = 393216`) read by `get_inputs`/`get_init_inputs`. A derived set re-binds those integers
(evaluator.shared.problem.rebind_source: expressions built from them are recomputed) and keeps the file's own
draw rules. `small` caps every constant above KEEP_BELOW (kernel sizes, strides, reduction axes stay)
at 32, 16, 8 or 4, or divides them all by one power of two (keeps divisibility such as heads | dim),
taking the first choice the reference accepts within SMALL_BUDGET. `odd` moves each shrunk constant,
one at a time, to an odd size (never a multiple of 16/32/64) and keeps the moves the reference accepts.
A candidate choice is accepted when the reference constructs, draws its inputs and runs once on the
CPU within the budget's elements and seconds (sizes are read on the meta device before anything is
allocated, so a bad choice never allocates much).

Work floors (evaluator.parent.roofline, when the file declares no FLOPS/BYTES): FLOPs counted by
torch.utils.flop_counter.FlopCounterMode (matmuls, convolutions, attention: elementwise work is not
counted, so the floor stays a floor) and bytes = inputs + outputs + parameters and buffers, each moved
at least once. Both come from a forward on the meta device.
"""

from __future__ import annotations

import ast
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import torch

from evaluator.shared.problem import (
    SIZE_FUNCTIONS,
    Problem,
    ProblemError,
    ShapeCase,
    apply_mode,
    case_module,
    meta_case,
    rebound_module,
    size_sites,
)

KEEP_BELOW = 9  # constants up to 8 (kernel sizes, strides, dims, small channel counts) are kept


@dataclass(frozen=True)
class Budget:
    elements: int  # inputs + outputs, all tensors
    seconds: float  # one reference forward on the CPU
    flops: float | None = None  # one forward, counted on the meta device (FlopCounterMode); None: not bounded


SMALL_BUDGET = Budget(elements=1 << 15, seconds=2.0)  # seconds under the interpreter for a plain kernel
CPU_BUDGET = Budget(elements=1 << 20, seconds=5.0)  # the problem's own shapes are run as is below this
# For a net whose input cannot shrink below SMALL_BUDGET (a classifier sized for 224x224, windows that must
# tile the image): one 3x224x224 image and its outputs, and few enough FLOPs for the Triton interpreter,
# which ran a tiled tl.dot GEMM at 0.03-0.12 GFLOP/s on this project's CPU (2 cores): 0.25 GFLOP is 2-8 s
# a call. VGG16 (31 GFLOP at batch 1), AlexNet (2.3) and MobileNetV1 (1.1) stay over it: refused.
FALLBACK_BUDGET = Budget(elements=1 << 18, seconds=2.0, flops=2.5e8)


@dataclass
class Derivation:
    small: dict[str, int] | None = None
    odd: dict[str, int] | None = None
    constants: dict[str, int] = field(default_factory=dict)  # the ones get_inputs/get_init_inputs read
    tried: list[str] = field(default_factory=list)  # "cap 16: RuntimeError ..." per rejected choice
    log: list[str] = field(default_factory=list)  # what was derived, for the user


def _names(code) -> set[str]:
    out = set(code.co_names)
    for c in code.co_consts:
        if hasattr(c, "co_names"):
            out |= _names(c)
    return out


def used_constants(source: str, module: ModuleType) -> dict[str, int]:
    """The size sites (evaluator.shared.problem.size_sites) that matter: module-level integers and tuple
    elements that get_inputs/get_init_inputs/Model read, directly or through other module-level
    assignments (`features = 4 * dim`, `bias_shape = (out_channels, 1, 1)`); every literal written in
    get_inputs/get_init_inputs; and Model.__init__ defaults that get_init_inputs leaves to them."""
    used = _read_names(module)
    deps = _assignment_deps(source)
    frontier = set(used)
    while frontier:
        frontier = {d for n in frontier for d in deps.get(n, ())} - used
        used |= frontier
    try:
        with torch.device("meta"):
            n_init = len(list(module.get_init_inputs()))
    except Exception:  # noqa: BLE001 - then every default may matter; the derivation's runs decide
        n_init = 0
    params = _init_params(getattr(module, "Model", None))
    passed = set(params[:n_init])  # get_init_inputs passes these: their defaults never serve
    return {n: v for n, v in size_sites(source).items() if _matters(n, v, used, passed)}


def _read_names(module: ModuleType) -> set[str]:
    """Every global name get_inputs, get_init_inputs and Model's methods read."""
    used: set[str] = set()
    for fn_name in ("get_inputs", "get_init_inputs"):
        fn = getattr(module, fn_name, None)
        if fn is not None and hasattr(fn, "__code__"):
            used |= _names(fn.__code__)
    model = getattr(module, "Model", None)
    for attr in vars(model).values() if model is not None else []:
        if hasattr(attr, "__code__"):
            used |= _names(attr.__code__)
    return used


def _assignment_deps(source: str) -> dict[str, set[str]]:
    """name -> the names its module-level assignments read (`features = 4 * dim`: features -> {dim})."""
    deps: dict[str, set[str]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            names = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
            for t in node.targets:
                if isinstance(t, ast.Name):
                    deps.setdefault(t.id, set()).update(names)
    return deps


def _matters(site: str, v: int, used: set[str], passed: set[str]) -> bool:
    """Whether one size site is worth re-binding (see used_constants)."""
    if site.startswith("Model.__init__."):
        # A default get_init_inputs passes never serves; stride=1, groups=1 are never moved.
        return site.removeprefix("Model.__init__.") not in passed and v >= KEEP_BELOW
    if site.split("[")[0] in SIZE_FUNCTIONS:
        return v >= KEEP_BELOW  # a literal 3 or 0 in get_inputs is a channel count or an axis: never moved
    return site.split("[")[0] in used


def _init_params(model) -> list[str]:
    import inspect

    try:
        return [p for p in inspect.signature(model.__init__).parameters if p != "self"]
    except (TypeError, ValueError):
        return []


def _numel(xs) -> int:
    return sum(x.numel() for x in _tensors(xs))


def _tensors(xs) -> list[torch.Tensor]:
    if isinstance(xs, torch.Tensor):
        return [xs]
    if isinstance(xs, (list, tuple)):
        return [t for x in xs for t in _tensors(x)]
    if isinstance(xs, dict):
        return [t for x in xs.values() for t in _tensors(x)]
    return []


def try_case(module: ModuleType, budget: Budget) -> tuple[bool, str]:
    """Does the reference run on this (re-bound) module within the budget? (ok, why or a summary)."""
    try:
        with torch.device("meta"):
            init = list(module.get_init_inputs())
            n_in = _numel(module.get_inputs())
    except Exception as e:  # noqa: BLE001 - any failure rejects this choice; the message says which
        return False, f"{RAISED} in get_inputs/get_init_inputs: {_exc(e)}"
    if n_in > budget.elements:
        return False, f"{n_in} input elements (budget {budget.elements})"
    try:
        torch.manual_seed(0)
        model = apply_mode(module.Model(*init), module)
        args = module.get_inputs()
        t0 = time.perf_counter()
        with torch.no_grad():
            out = model(*args)
        seconds = time.perf_counter() - t0
    except Exception as e:  # noqa: BLE001
        return False, f"{RAISED}: {_exc(e)}"
    n = n_in + _numel(out)
    if n > budget.elements:
        return False, f"{n} input+output elements (budget {budget.elements})"
    if seconds > budget.seconds:
        return False, f"the reference took {seconds:.2f} s (budget {budget.seconds:g} s)"
    return True, f"{n} input+output elements, reference {seconds * 1e3:.0f} ms on the CPU"


RAISED = "the reference raised"  # try_case's reason when the reference itself failed, not the budget


def _exc(e: BaseException) -> str:
    msg = str(e).splitlines()[0][:200] if str(e) else ""
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


def _odd(v: int) -> int:
    """An odd size near v (not a multiple of 16/32/64, not a power of two when v > 2)."""
    return (v + max(2, v // 3)) | 1


def derive_sets(path: Path, budget: Budget = SMALL_BUDGET) -> Derivation:
    """Derive `small` and `odd` constant bindings for a KernelBench file (see the module docstring)."""
    source = Path(path).read_text(encoding="utf-8")
    module = _plain(path)
    d = Derivation(constants=used_constants(source, module))
    big = {n: v for n, v in d.constants.items() if v >= KEEP_BELOW}
    starts = _first_fit(path, _uniform_choices(big), budget, d)
    if d.small is None and big:
        for b in (budget, FALLBACK_BUDGET) if budget == SMALL_BUDGET else (budget,):
            if _shrink_alone(path, big, [*starts, dict(big)], b, d):
                budget = b
                break
    if d.small is None:
        return d
    _odd_set(path, big, budget, d)
    return d


def _uniform_choices(big: dict[str, int]) -> list[tuple[str, dict[str, int]]]:
    """(what, values) to try in order: the file as is when nothing is big, every big size capped, then
    divided by ever larger powers of two."""
    choices: list[tuple[str, dict[str, int]]] = []
    if not big:
        choices.append(("the file's own sizes", {}))
    for cap in (32, 16, 8, 4):
        choices.append((f"cap {cap}", {n: min(v, cap) for n, v in big.items()}))
    for k in range(1, 21):
        f = 1 << k
        choices.append((f"divide by {f}", {n: max(1, v // f) for n, v in big.items()}))
    return choices


def _first_fit(path: Path, choices, budget: Budget, d: Derivation) -> list[dict[str, int]]:
    """The first choice the reference runs within the budget becomes d.small. Returns the choices refused
    for their size, not because the reference raised: where shrinking alone starts."""
    seen = set()
    starts = []
    for what, values in choices:
        key = tuple(sorted(values.items()))
        if key in seen:
            continue
        seen.add(key)
        ok, why = try_case(_with(path, values), budget)
        if ok:
            d.small = values
            d.log.append(f"small ({what}): {_show(values) or 'as the file is'}: {why}")
            break
        d.tried.append(f"{what} ({_show(values)}): {why}")
        if not why.startswith(RAISED):
            starts.append(values)
    return starts


def _odd_set(path: Path, big: dict[str, int], budget: Budget, d: Derivation) -> None:
    """From d.small, each big size (largest first) made odd where the reference still runs: d.odd."""
    odd = dict(d.small)
    for n in sorted(big, key=lambda n: -big[n]):
        trial = dict(odd, **{n: _odd(odd[n])})
        ok, why = try_case(_with(path, trial), budget)
        if ok:
            odd = trial
        else:
            d.log.append(f"odd: {n} stays {odd[n]} ({n}={trial[n]}: {why})")
    if odd != d.small:
        d.odd = odd
        d.log.append(f"odd: {_show(odd)}")
    else:
        d.log.append("odd: no constant could take an odd size; no odd set")


def _shrink_alone(path: Path, big: dict[str, int], starts: list[dict[str, int]], budget: Budget, d: Derivation) -> bool:
    """When no uniform cap or division fits: from the smallest of `starts` the reference runs at (on the meta
    device), halve one size site at a time, or every site sharing one value (sizes tied together), taking
    the halving that cuts (input+output elements, FLOPs) most among those the reference still runs at, until
    the budget's elements and FLOPs are met (a batch shrinks alone; channel counts keep the divisibility
    the model asserts). Then one real run on the CPU decides, as for any choice. Sets d.small on success."""
    what = "shrink alone" if budget == SMALL_BUDGET else "shrink alone, fallback budget"
    best = None
    for values in starts:
        cost = _meta_cost(path, values)
        if cost is not None and (best is None or cost < best[0]):
            best = (cost, values)
    if best is None:  # it raised at every size (d.tried says how): nothing to shrink from
        return False
    cost, values = best

    flops_cap = budget.flops
    for _ in range(4):  # a real run over the budget's seconds: shrink the FLOPs further, a few times
        values, cost = _halve_until(path, big, values, cost, budget.elements, flops_cap)
        if cost[0] > budget.elements or (flops_cap is not None and cost[1] > flops_cap):
            flops = f", {cost[1] / 1e9:.2f} GFLOP (budget {flops_cap / 1e9:g})" if flops_cap else ""
            d.tried.append(f"{what} ({_show(values)}): {cost[0]} input+output elements{flops} at the smallest it runs")
            return False
        ok, why = try_case(_with(path, values), budget)
        if ok:
            d.small = values
            flops = f", {cost[1] / 1e9:.2f} GFLOP" if budget.flops else ""
            d.log.append(f"small ({what}): {_show(values)}: {why}{flops}")
            return True
        d.tried.append(f"{what} ({_show(values)}): {why}")
        if "took" not in why or not cost[1]:
            return False
        flops_cap = cost[1] / 2
    return False


def _halve_until(
    path: Path, big: dict[str, int], values: dict[str, int], cost: tuple[int, float], elements: int, flops: float | None
) -> tuple[dict[str, int], tuple[int, float]]:
    """_shrink_alone's halving, from `values` (which run, at `cost`), until within elements and FLOPs or stuck."""

    def within(c: tuple[int, float]) -> bool:
        return c[0] <= elements and (flops is None or c[1] <= flops)

    groups = [[n] for n in big] + [g for v in set(big.values()) if len(g := [n for n in big if big[n] == v]) > 1]
    while not within(cost):
        floor = 1 if cost[0] > elements else KEEP_BELOW - 1  # FLOPs alone never take a size below 8
        moves = []
        for g in groups:
            if all(values[n] // 2 >= floor for n in g):
                trial = dict(values, **{n: values[n] // 2 for n in g})
                c = _meta_cost(path, trial)
                if c is not None and c < cost:
                    moves.append((c, trial))
        if not moves:
            break
        cost, values = min(moves, key=lambda m: m[0])
    return values, cost


def _meta_cost(path: Path, values: dict[str, int]) -> tuple[int, float] | None:
    """(input+output elements, FLOPs) of one forward at these sizes on the meta device (nothing allocated),
    None when the reference raises there. A model that needs real values to be built (`.item()` in its
    __init__) is built on the CPU and moved to the meta device for the forward."""
    from torch.utils.flop_counter import FlopCounterMode

    try:
        module = _with(path, values)
        with torch.device("meta"):
            init = list(module.get_init_inputs())
            args = module.get_inputs()
            try:
                model = module.Model(*init)
            except Exception:  # noqa: BLE001 - built for real below; a real failure raises there
                model = None
        if model is None:
            torch.manual_seed(0)
            model = module.Model(*[x.to("cpu") if isinstance(x, torch.Tensor) else x for x in init]).to("meta")
        model = apply_mode(model, module)
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            out = model(*args)
    except Exception:  # noqa: BLE001 - the reference does not run at these sizes
        return None
    return _numel(args) + _numel(out), float(counter.get_total_flops())


def _plain(path: Path) -> ModuleType:
    from evaluator.shared.problem import import_file

    return import_file(Path(path), "_problem_derive")


def _with(path: Path, values: dict[str, int]) -> ModuleType:
    return rebound_module(str(path), values) if values else _plain(path)


def _show(values: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


def fits_cpu(problem: Problem, module: ModuleType, budget: Budget = CPU_BUDGET) -> tuple[bool, str]:
    """Would the problem's own (first) case run on the CPU as is?"""
    case = next(iter(problem.sets.values()))[0]
    if not any(s.dist == "get_inputs" for s in case.inputs):  # hand-written shapes: count them
        n = case.numel
        return n <= budget.elements, f"{n} input elements (budget {budget.elements})"
    return try_case(case_module(module, case), budget)


def derive_small_on_the_fly(problem: Problem, module: ModuleType) -> None:
    """No CUDA and no `small` set: keep the problem as is if it fits the CPU, else derive a small set
    (as `agent.problem add` does) or refuse with the reason (ProblemError)."""
    ok, why = fits_cpu(problem, module)
    if ok:
        return
    case = next(iter(problem.sets.values()))[0]
    if why.startswith(RAISED):  # its own shapes fit and it fails on them: no smaller size will help
        raise ProblemError(f"problem {problem.name}: {why.replace(RAISED, f'{RAISED} on {case.label}', 1)}")
    own = all(any(s.dist == "get_inputs" for s in c.inputs) for c in problem.sets.get("full", []))
    d = derive_sets(problem.path) if own else Derivation()  # hand-written shapes: nothing to re-bind
    raised = reference_raised(d)
    if raised:
        raise ProblemError(f"problem {problem.name}: {raised}; its own shapes ({why}) were not run on this CPU")
    if d.small is None:
        raise ProblemError(
            f"problem {problem.name}: its shapes do not fit this CPU-only machine ({why}) and no small set "
            f"could be derived ({cannot_derive(d)}); {HAND_HINT}"
        )
    problem.sets = {"small": [meta_case(module, "small", 0, d.small)], **problem.sets}
    problem.notes.append(f"no CUDA and no small set: derived one on the fly ({d.log[0]})")


HAND_HINT = (
    'write the sets by hand in the file, e.g. SHAPES = {"small": [{"init": [], "inputs": [[4, 64]]}], '
    '"full": [{"constants": {}}]} (README: Shape sets)'
)


def reference_raised(d: Derivation) -> str | None:
    """When no small set was derived because the reference raised on every size it was run at (a shape
    mismatch in the file, not a size this machine cannot hold; sizes refused for their input elements
    before running do not count): that, first, with the exception and the first size tried."""
    if d.small is not None:
        return None
    ran = [t for t in d.tried if " input elements (budget " not in t.partition("): ")[2]]
    if not ran or not all(t.partition("): ")[2].startswith(RAISED) for t in ran):
        return None
    what, _, why = ran[0].partition("): ")
    where = "every size tried" if len(ran) == len(d.tried) else "every size tried that fit the budget"
    return f"{RAISED} on {where} (first: {what.replace(' (', ', ', 1)}){why.removeprefix(RAISED)}"


def cannot_derive(d: Derivation) -> str:
    """Why no small set: the reference's own exception first when it raised on every size tried."""
    raised = reference_raised(d)
    if raised:
        return raised
    if not d.constants:
        return "get_inputs/get_init_inputs read no module-level integer constant"
    shrunk = [t for t in d.tried if t.startswith("shrink alone")]
    if shrunk:  # the sizes it runs at, halved as far as it runs, are still over the budget: that, first
        return f"{shrunk[-1]}; tried constants {_show(d.constants)}: " + "; ".join(d.tried[:2])
    return f"tried constants {_show(d.constants)}: " + "; ".join(d.tried[:3])


@dataclass(frozen=True)
class MetaRun:
    """One forward of the reference on the meta device: bytes of its inputs, outputs and parameters plus
    buffers, and its FLOPs (torch.utils.flop_counter). No memory, no time."""

    inputs: int
    outputs: int
    weights: int
    flops: int


def meta_run(problem_module: ModuleType, case: ShapeCase) -> MetaRun | None:
    """None when the reference cannot run on the meta device (data-dependent shapes). Shared by the work
    floors (roofline) and the memory plan (evaluator.oracle.memory)."""
    from torch.utils.flop_counter import FlopCounterMode

    mod = case_module(problem_module, case)
    try:
        with torch.device("meta"):
            model = apply_mode(mod.Model(*case.init), problem_module)
            if any(s.dist == "get_inputs" for s in case.inputs):
                args = list(mod.get_inputs())
            else:
                args = [
                    torch.empty(s.shape, dtype=getattr(torch, s.dtype)) if s.shape is not None else s.value
                    for s in case.inputs
                ]
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            out = model(*args)
    except Exception:  # noqa: BLE001 - no number is better than a wrong one
        return None

    def nbytes(ts) -> int:
        return sum(t.numel() * t.element_size() for t in ts)

    return MetaRun(
        inputs=nbytes(_tensors(args)),
        outputs=nbytes(_tensors(out)),
        weights=nbytes(list(model.parameters()) + list(model.buffers())),
        flops=counter.get_total_flops(),
    )


def work_floors(problem_module: ModuleType, case: ShapeCase) -> tuple[float | None, float | None]:
    """(FLOPs, bytes) one forward must do and move at least, from a meta-device run; (None, None)
    when the reference cannot run on the meta device (data-dependent shapes)."""
    run = meta_run(problem_module, case)
    if run is None:
        return None, None
    return (float(run.flops) if run.flops else None), float(run.inputs + run.outputs + run.weights)
