"""Precision policies: how close a candidate's output must be to the fp32 reference.

    from evaluator.shared.precision import POLICIES, emulated
    POLICIES["tf32"].atol                       # 1e-3: the floor
    with emulated(POLICIES["tf32"]):            # matmul/conv operands rounded to TF32's 10-bit mantissa
        low = model(*args)                      # the reference at the precision the policy allows

The reference is computed in fp32 with TF32 off. An element passes when

    |out - ref| <= atol + rtol * |ref| + multiple * cal

- `atol + rtol * |ref|` is the floor (torch.allclose): fp32 arithmetic done in another order or with
  other intrinsics. It comes from one H100 on the seed problem (design.md): cuDNN's TF32 conv differs
  by up to 9.5e-4 and a Triton `tl.dot` in TF32 by 2.4e-3 on outputs up to 3.2, i.e. ~1e-3 relative,
  which is TF32's own input rounding where the summed terms do not cancel. On the dynamic-range call
  the oracle scales atol by the inputs' scale.
- `cal` follows the arithmetic. Per call the oracle runs the reference a second time at the precision
  the policy allows (`emulated`: the operands of every matmul and convolution rounded to nearest, ties
  to even, at the policy's mantissa bits, fp32 accumulation, which is what cuBLAS/cuDNN TF32 do) and
  takes |low - ref|, then its maximum over each block of CAL_BLOCK consecutive output elements
  (evaluator.oracle.correctness): one call's rounding errors are a sample, and a sample can be near zero where
  another implementation's rounding (its own order, truncation instead of rounding, a scale folded into
  an operand) is not; the block maximum estimates the error's scale. Where the errors cancel (a K = 8192
  GEMM, mixed-sign 1e5-magnitude inputs) this term is what admits an honest TF32 kernel.
- `multiple`, 4: measured on CPU-emulated GEMMs (30 seeds, randn operands, K = 2048-4096; the pass and
  fail cases are kept in tests/test_precision_model.py): honest TF32 variants (round to nearest in
  another order, truncation like the tensor cores' raw fp32 operands, a scale folded into an operand)
  need up to 1.6x the block
  maximum; bf16 operands (3 mantissa bits fewer: errors 2**3 = 8x larger) need at least 8.2x on a
  128x128 output and 5.1x on 32x32. 4 sits between, about 2x from either side.

`tf32` emulates 10 mantissa bits (TF32); `loose` 7 (bf16, the coarsest operand format it allows: fp16
operands round at 10 bits and pass alike where in range); `strict` has no calibration (fp32 only).
fp16 operands round like TF32 and pass `tf32` on ordinary data; what tells them apart is range: the
dynamic-range call draws inputs up to `dynamic_scale` in magnitude (1e5 > 65504, fp16's largest value,
for tf32 and strict), and an Inf where the reference is finite always fails.
"""

from __future__ import annotations

import contextlib

import torch
from pydantic import BaseModel
from torch.utils._python_dispatch import TorchDispatchMode


class Policy(BaseModel):
    name: str
    atol: float
    rtol: float
    allows: str  # one sentence for the prompt: what math is accepted
    rejects: str  # one sentence for the prompt: what math fails
    # Largest input magnitude of the dynamic-range call (evaluator.parent.calls): above fp16's 65504 where
    # fp16 operands are rejected, below it where they are allowed.
    dynamic_scale: float = 1e5
    # Calibration: mantissa bits the matmul/conv operands of the reference's second run keep (None: no
    # second run, the floor alone), its name for messages, and how many times its error is allowed.
    mantissa_bits: int | None = None
    emulates: str = ""
    multiple: float = 4.0


POLICIES: dict[str, Policy] = {
    "tf32": Policy(
        name="tf32",
        atol=1e-3,
        rtol=1e-3,
        allows="fp32 math and TF32 tensor-core math (tl.dot on fp32 operands, input_precision='tf32')",
        rejects="bf16/fp16 operand downcasts and fp16/bf16 accumulation",
        mantissa_bits=10,
        emulates="TF32",
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
        mantissa_bits=7,
        emulates="bf16",
    ),
}


def get_policy(name: str) -> Policy:
    try:
        return POLICIES[name]
    except KeyError:
        raise ValueError(f"unknown precision policy {name!r} (choose from {', '.join(POLICIES)})") from None


def round_mantissa(x: torch.Tensor, bits: int) -> torch.Tensor:
    """fp32 values rounded to nearest, ties to even, at `bits` explicit mantissa bits (10: TF32, 7: bf16),
    still stored as fp32; Inf and NaN unchanged. A new tensor, same shape and strides."""
    drop = 23 - bits
    i = x.view(torch.int32)
    special = (i & 0x7F800000) == 0x7F800000
    rounded = (i + (((i >> drop) & 1) + ((1 << (drop - 1)) - 1))) & ~((1 << drop) - 1)
    return torch.where(special, i, rounded).view(torch.float32)


_aten = torch.ops.aten
# Operand positions of the ops cuBLAS (matmul) and cuDNN (convolution) run in TF32 when allowed;
# linear, matmul, einsum and tensordot reach them as mm/addmm/bmm. Matrix-vector products (mv, dot) are
# not TF32 on a GPU and stay fp32.
_OPERANDS = {
    _aten.mm: (0, 1),
    _aten.bmm: (0, 1),
    _aten.addmm: (1, 2),
    _aten.baddbmm: (1, 2),
    _aten.addbmm: (1, 2),
    _aten.convolution: (0, 1),
    _aten._convolution: (0, 1),
}


class _RoundOperands(TorchDispatchMode):
    def __init__(self, bits: int):
        super().__init__()
        self.bits = bits

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        positions = _OPERANDS.get(func.overloadpacket)
        if positions:
            args = list(args)
            for p in positions:
                a = args[p] if p < len(args) else None
                if isinstance(a, torch.Tensor) and a.dtype == torch.float32:
                    args[p] = round_mantissa(a, self.bits)
        return func(*args, **(kwargs or {}))


@contextlib.contextmanager
def emulated(policy: Policy):
    """Run the code inside at the precision the policy allows: matmul and convolution operands rounded to
    `policy.mantissa_bits`, fp32 accumulation, TF32 allowed to cuBLAS/cuDNN. Rounded explicitly, on a GPU
    too: cuDNN's heuristics may pick an fp32 algorithm for some shapes, which would calibrate to zero;
    TF32 on already-rounded operands changes nothing but the speed. Previous flags restored."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    allow = policy.mantissa_bits is not None and policy.mantissa_bits <= 10  # strict: true fp32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = allow
    try:
        if policy.mantissa_bits is None:
            yield
        else:
            with _RoundOperands(policy.mantissa_bits):
                yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved
