"""Inputs for one shape case: fresh random tensors drawn as the problem declares them.

    from evaluator.inputs import make_inputs
    torch.manual_seed(seed)
    args = make_inputs(case, problem_module, torch.device("cuda"))

Shared by everything that calls a model (reference, candidate, baselines, race, profiler), so that two
processes seeded alike draw identical inputs.
"""
from __future__ import annotations

import torch

from evaluator.problem import ShapeCase


def make_inputs(case: ShapeCase, problem_module, device: torch.device) -> list:
    """Fresh random inputs for one case, from the global RNG (the caller seeds it)."""
    if any(s.dist == "get_inputs" for s in case.inputs):
        return [x.to(device) if isinstance(x, torch.Tensor) else x for x in problem_module.get_inputs()]
    out = []
    for spec in case.inputs:
        if spec.shape is None:
            out.append(spec.value)
            continue
        dtype = getattr(torch, spec.dtype)
        draw = torch.rand if spec.dist == "rand" else torch.randn
        out.append(draw(*spec.shape, dtype=dtype, device=device))
    return out
