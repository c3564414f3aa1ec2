"""Precision policies: how close a candidate's output must be to the fp32 reference.

    from evaluator.precision import POLICIES
    POLICIES["tf32"].atol   # 1e-3

The reference is computed in fp32 with TF32 off. Tolerances come from one H100 on the seed problem
(design.md): PyTorch's own cuDNN TF32 conv differs by up to 9.5e-4 and a Triton `tl.dot` in TF32 by
2.4e-3 (outputs up to 3.2), bf16 operands by 6.9e-3. fp16 operands have TF32's 10-bit mantissa and
pass on [0, 1) data; what tells them apart is range: the dynamic-range call draws inputs up to
`dynamic_scale` in magnitude (1e5 > 65504, fp16's largest value, for tf32 and strict). An element passes when
|out - ref| <= atol + rtol * |ref| (torch.allclose). NaN or Inf where the reference is finite always fails.
"""

from __future__ import annotations

from pydantic import BaseModel


class Policy(BaseModel):
    name: str
    atol: float
    rtol: float
    allows: str  # one sentence for the prompt: what math is accepted
    rejects: str  # one sentence for the prompt: what math fails
    # Largest input magnitude of the dynamic-range call (evaluator.calls): above fp16's 65504 where
    # fp16 operands are rejected, below it where they are allowed.
    dynamic_scale: float = 1e5


POLICIES: dict[str, Policy] = {
    "tf32": Policy(
        name="tf32",
        atol=1e-3,
        rtol=1e-3,
        allows="fp32 math and TF32 tensor-core math (tl.dot on fp32 operands, input_precision='tf32')",
        rejects="bf16/fp16 operand downcasts and fp16/bf16 accumulation",
    ),
    "strict": Policy(
        name="strict",
        atol=1e-4,
        rtol=1e-4,
        allows="fp32 math only (tl.dot with input_precision='ieee')",
        rejects="TF32, bf16 and fp16 math",
    ),
    "loose": Policy(
        name="loose",
        atol=1e-2,
        rtol=1e-2,
        allows="fp32, TF32 and bf16/fp16 operands with fp32 accumulation",
        rejects="fp16/bf16 accumulation over long reductions and anything less exact",
        dynamic_scale=1e4,
    ),
}


def get_policy(name: str) -> Policy:
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown precision policy {name!r} (choose from {', '.join(POLICIES)})") from None
