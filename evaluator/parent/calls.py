"""The checked calls of one evaluation: which calls (the parent's plan). How each call's weights and inputs
are drawn from its seed, the same way in the candidate's process and in the oracle, is evaluator.shared.draw;
the oracle's blame of an ignored parameter is evaluator.oracle.blame.

    from evaluator.parent.calls import plan
    specs = plan(cases, trials=3, dynamic=DynamicRange(), rng=secrets.SystemRandom())

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
  away from its value by a seeded rule (evaluator.shared.weights.perturb); the first call of each case keeps
  the module's own initialisation, since some problems are only meant for it.
The order after each case's first call is shuffled, so a candidate cannot tell which call is which.

Which calls perturb is a pure function of the seed (evaluator.shared.draw.perturbed: odd seeds perturb), so the
oracle and the jailed candidate, which both call `draw` with the same spec, build the same weights
without a field on the wire; `plan` gives each case's first call an even seed and every other call an
odd one. The candidate's process copies the drawn (perturbed) reference weights into ModelNew.
"""

from __future__ import annotations

import random

from evaluator.shared.problem import ShapeCase
from evaluator.shared.wire import CallSpec, DynamicRange

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
    def seed() -> int:  # odd: perturbed weights (see evaluator.shared.draw.perturbed)
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


def dynamic_range(problem) -> DynamicRange | None:
    """The problem's DYNAMIC_RANGE (a dict, or None to opt out: a problem whose math breaks at 1e5, e.g.
    exp without a max shift); default: DynamicRange()."""
    raw = getattr(problem, "DYNAMIC_RANGE", {})
    return None if raw is None else DynamicRange(**raw)
