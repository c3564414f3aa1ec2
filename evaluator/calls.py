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
The order after each case's first call is shuffled, so a candidate cannot tell which call is which.
"""

from __future__ import annotations

import random

import torch

from evaluator.inputs import make_inputs
from evaluator.problem import ShapeCase, build_model
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
    def seed() -> int:
        return rng.getrandbits(62)

    firsts = [CallSpec(n=0, case=c.label, seed=seed()) for c in cases]
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


def draw(spec: CallSpec, case: ShapeCase, problem, device: torch.device) -> tuple[torch.nn.Module, list]:
    """The reference Model with this call's weights, and its inputs, both from `spec.seed`."""
    torch.manual_seed(spec.seed)
    model = build_model(problem, case, device)  # the problem's mode (KernelBench: as constructed)
    args = make_inputs(case, problem, device)
    if spec.scale is not None:
        args = [_spread(a, spec.scale) for a in args]
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
