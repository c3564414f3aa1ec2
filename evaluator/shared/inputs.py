"""Inputs for one shape case: fresh random tensors drawn as the problem declares them.

    from evaluator.shared.inputs import make_inputs
    torch.manual_seed(seed)
    args = make_inputs(case, problem_module, torch.device("cuda"))

Shared by everything that calls a model (reference, candidate, baselines, profiler), so that two
processes seeded alike draw identical inputs. A case drawn by the problem's own `get_inputs` (a plain
KernelBench file, or a derived set that re-binds its module-level integers) calls it with `device` as
the default device, so a large input is allocated where it is used, never staged on the host first.
"""

from __future__ import annotations

import torch

from evaluator.shared.problem import InputSpec, ShapeCase, case_module


def draw(spec: InputSpec, device: torch.device) -> torch.Tensor:
    """One tensor by the spec's draw rule (evaluator.shared.problem documents them)."""
    dtype = getattr(torch, spec.dtype)
    shape = tuple(spec.shape or ())
    if spec.dist == "randint":
        low = int(spec.low if spec.low is not None else 0)
        return torch.randint(low, int(spec.high), shape, device=device).to(dtype)
    if spec.dist == "bool":
        return (torch.rand(shape, device=device) < spec.p).to(dtype)
    # Floats are drawn in float32 and rounded, so an fp16/bf16 input has the same values as its twin.
    if spec.dist == "randn":
        x = torch.randn(shape, device=device)
    elif spec.dist == "normal":
        x = torch.randn(shape, device=device) * spec.std + spec.mean
    elif spec.dist == "uniform":
        low = spec.low if spec.low is not None else 0.0
        high = spec.high if spec.high is not None else 1.0
        x = torch.rand(shape, device=device) * (high - low) + low
    else:  # rand: KernelBench's torch.rand, uniform [0, 1)
        x = torch.rand(shape, device=device)
    return x.to(dtype)


def make_inputs(case: ShapeCase, problem_module, device: torch.device) -> list:
    """Fresh random inputs for one case, from the global RNG (the caller seeds it)."""
    if any(s.dist == "get_inputs" for s in case.inputs):
        with torch.device(device):
            xs = case_module(problem_module, case).get_inputs()
        return [x.to(device) if isinstance(x, torch.Tensor) else x for x in xs]
    return [spec.value if spec.shape is None else draw(spec, device) for spec in case.inputs]
