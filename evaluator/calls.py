"""The checked calls of one evaluation: which calls (the parent's plan) and how each call's weights and
inputs are drawn from its seed (the same way in the candidate's process and in the oracle).

    from evaluator.calls import plan, draw
    specs = plan(cases, trials=3, dynamic=DynamicRange(), rng=secrets.SystemRandom())
    model, args = draw(spec, case, problem_module, device)    # seeded Model and inputs for one call

Why these calls:
- Every call is checked (no call is a "warm-up" a kernel could tell apart), and at least MIN_CHECKED of
  them: a kernel wrong on 10% of calls escapes n checked calls with probability 0.9**n, 0.047 for 29,
  so it is caught in >= 19 of 20 evaluations. Calls beyond the per-case trials go to the cheapest
  case, so that costs little.
- A dynamic-range call per case (when the problem allows it): inputs up to 1e5 in magnitude, mixed
  signs, so fp16 operands overflow (fp16 max 65504) where fp32 and TF32 do not.
- LATE_CALLS more calls per case at the end: an output cache or a call counter shows there.
- One knockout call (not checked for correctness, the opposite): every Triton launch is a no-op,
  and the output must come out wrong, else Triton did not compute the result.
- Perturbed weights on every call but each case's first: a module's own initialisation often holds
  identities (LayerNorm's weight 1 and bias 0, BatchNorm's running statistics 0 and 1, a learnable
  `alpha = ones(())`), so a kernel that ignores such a parameter would pass on it and be wrong on
  trained weights. `perturb` moves every floating parameter and every norm layer's running statistics
  away from its value by a seeded rule (evaluator.weights.perturb); the first call of each case keeps
  the module's own initialisation, since some problems are only meant for it.
The order after each case's first call is shuffled, so a candidate cannot tell which call is which.

Which calls perturb is a pure function of the seed (`perturbed(seed)`: odd seeds perturb), so the
oracle and the jailed candidate, which both call `draw` with the same spec, build the same weights
without a field on the wire; `plan` gives each case's first call an even seed and every other call an
odd one. The candidate's process copies the drawn (perturbed) reference weights into ModelNew.
"""

from __future__ import annotations

import random

import torch

from evaluator.inputs import make_inputs
from evaluator.problem import ShapeCase, build_model
from evaluator.weights import perturb
from evaluator.wire import CallSpec, DynamicRange

MIN_CHECKED = 30  # 0.9**30 = 0.042: a 10%-flaky kernel is caught in 19 of 20 evaluations (>= 0.95)
LATE_CALLS = 2


def plan(
    cases: list[ShapeCase],
    trials: int,
    dynamic: DynamicRange | None,
    rng: random.Random,
    late: bool = True,
    knockout: bool = True,
    min_checked: int = MIN_CHECKED,
) -> list[CallSpec]:
    def seed() -> int:  # odd: perturbed weights (see perturbed)
        return rng.getrandbits(62) | 1

    firsts = [CallSpec(n=0, case=c.label, seed=seed() ^ 1) for c in cases]  # even: the module's own weights
    rest: list[CallSpec] = [CallSpec(n=0, case=c.label, seed=seed()) for c in cases for _ in range(trials - 1)]
    if dynamic is not None:
        rest += [CallSpec(n=0, case=c.label, seed=seed(), stage="dynamic", scale=dynamic.scale) for c in cases]
    tail = (
        [CallSpec(n=0, case=c.label, seed=seed(), stage="late") for c in cases for _ in range(LATE_CALLS)]
        if late
        else []
    )
    cheapest = min(cases, key=lambda c: c.numel).label
    while len(firsts) + len(rest) + len(tail) < min_checked:
        rest.append(CallSpec(n=0, case=cheapest, seed=seed()))
    if knockout:
        rest.append(CallSpec(n=0, case=cheapest, seed=seed(), stage="knockout"))
    rng.shuffle(rest)
    calls = firsts + rest + tail
    for n, spec in enumerate(calls):
        spec.n = n
    return calls


def perturbed(seed: int) -> bool:
    """Does the call with this seed perturb its weights? (odd seeds; `plan` makes each case's first even)"""
    return bool(seed & 1)


def draw(
    spec: CallSpec, case: ShapeCase, problem, device: torch.device, own_weights: bool = False
) -> tuple[torch.nn.Module, list]:
    """The reference Model with this call's weights, and its inputs, both from `spec.seed`: the module's
    own initialisation, perturbed when `perturbed(spec.seed)` (`own_weights` skips that, for `blame`)."""
    torch.manual_seed(spec.seed)
    model = build_model(problem, case, device)  # the problem's mode (KernelBench: as constructed)
    args = make_inputs(case, problem, device)
    if spec.scale is not None:
        args = [_spread(a, spec.scale) for a in args]
    if perturbed(spec.seed) and not own_weights:
        perturb(model, spec.seed)  # its own generator: the inputs above do not depend on it
    return model, args


def _spread(a, scale: float):
    """u in [0, 1) -> (2u - 1) * scale; a randn input is simply scaled. Integer inputs stay as they are."""
    if not isinstance(a, torch.Tensor) or not a.is_floating_point():
        return a
    lo = float(a.min()) if a.numel() else 0.0
    if lo >= 0:  # torch.rand-like: centre it, so the signs are mixed
        a = a * 2 - 1
    return a * scale


def dynamic_range(problem) -> DynamicRange | None:
    """The problem's DYNAMIC_RANGE (a dict, or None to opt out: a problem whose math breaks at 1e5, e.g.
    exp without a max shift); default: DynamicRange()."""
    raw = getattr(problem, "DYNAMIC_RANGE", {})
    return None if raw is None else DynamicRange(**raw)


BLAME_TENSORS = 24  # one reference call per tensor tried: enough for any layer, bounded for a deep net


def blame(spec: CallSpec, case: ShapeCase, problem, device: torch.device, got, policy) -> str | None:
    """After a perturbed call the candidate got wrong: does its output match the reference with one tensor
    (or one layer's tensors) put back at the module's own initial value, or with all of them? Then the
    kernel ignores that parameter. One sentence to append to the mismatch message, or None (the call was
    not perturbed, or the output is wrong for another reason). Runs the reference up to BLAME_TENSORS + 1
    times, so only once per evaluation, after its failed check."""
    if not perturbed(spec.seed):
        return None
    from evaluator.correctness import compare
    from evaluator.oracle import reference

    own, args = draw(spec, case, problem, device, own_weights=True)
    moved, _ = draw(spec, case, problem, device)
    own_state = dict(own.state_dict())
    names = perturb_names(moved)
    # One tensor put back, then one layer's tensors together (LayerNorm's weight and bias dropped at once).
    layers: dict[str, list[str]] = {}
    for name in names:
        layers.setdefault(name.rpartition(".")[0], []).append(name)
    groups = [g for layer in layers.values() for g in [[n] for n in layer] + ([layer] if len(layer) > 1 else [])]
    for group in groups[:BLAME_TENSORS]:
        trial = snapshot_model(moved, force=True)
        with torch.no_grad():
            for name in group:
                _tensor(trial, name).copy_(own_state[name])
        if compare(reference(trial, args), got, policy)["ok"]:
            what = " and ".join(group)
            return (
                f"This call used perturbed weights, and ModelNew's output matches the reference with {what} "
                f"at {'its' if len(group) == 1 else 'their'} initial value: the kernel ignores {what} (or "
                "assumes the default), so it would be wrong on trained weights; read it from the module."
            )
    if not compare(reference(snapshot_model(own), args), got, policy)["ok"]:
        return None
    return (
        "This call used perturbed weights, and ModelNew's output matches the reference with the module's own "
        "initial weights: the kernel ignores (or assumes the default of) some of "
        + ", ".join(names[:8])
        + ("..." if len(names) > 8 else "")
        + "; read them from the module."
    )


def perturb_names(model: torch.nn.Module) -> list[str]:
    from evaluator.weights import perturbable

    return [n for n, _ in perturbable(model)]


def snapshot_model(model: torch.nn.Module, force: bool = False) -> torch.nn.Module:
    """A copy to run the reference on (training mode changes buffers; `force` also when it has none)."""
    import copy

    return copy.deepcopy(model) if force or any(True for _ in model.buffers()) else model


def _tensor(model: torch.nn.Module, name: str) -> torch.Tensor:
    owner, _, leaf = name.rpartition(".")
    return getattr(model.get_submodule(owner) if owner else model, leaf)
