"""How each checked call's weights and inputs are drawn from its seed: the same way in the candidate's
process (evaluator.child.candidate) and in the oracle (evaluator.oracle.oracle), so both build the same
Model and inputs from a wire.CallSpec without anything else on the wire.

    from evaluator.shared.draw import draw
    model, args = draw(spec, case, problem_module, device)    # seeded Model and inputs for one call

Which calls perturb is a pure function of the seed (`perturbed(seed)`: odd seeds perturb); the parent's
plan (evaluator.parent.calls.plan) gives each case's first call an even seed and every other call an odd
one. A dynamic-range call (`spec.scale`) spreads its floating inputs to mixed signs at that magnitude.
"""

from __future__ import annotations

import torch

from evaluator.shared.inputs import make_inputs
from evaluator.shared.problem import ShapeCase, build_model
from evaluator.shared.weights import perturb
from evaluator.shared.wire import CallSpec


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
