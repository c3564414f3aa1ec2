"""Filter and refine for #32's channel min, costed on the CPU: how many channels a cheap pass leaves to refine.

    python studies/conv2d_scale_min/filter_refine.py

The idea (session 20): estimate all 128 channels with bf16 (or fp16) operands, which cost about half of TF32's
energy per FLOP at the power cap (`benchmarks/tf32_roof.py --half`), then recompute exactly only the channels
that can still be the minimum. A channel c stays a candidate at pixel p while est_c - B_c <= min_m (est_m + B_m),
where B bounds the estimate's error rigorously: delta * S, S = sum_k |w_ck| |x_pk| (exact, a second GEMM) or its
Cauchy-Schwarz bound ||w_c|| ||x_p|| (cheap: one sum of x^2 per pixel), delta = two operand roundings, their
product, and fp32 accumulation over K = 576. The script checks that the bound holds and keeps the true argmin,
then prints candidates per pixel and their union over a 64-pixel tile (what a tensor-core refine must compute),
on the problem's layer (nn.Conv2d(64, 128, 3) init) and inputs (torch.rand, as `get_inputs`) and on randn.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from evaluator.shared.precision import round_mantissa  # noqa: E402  (ties to even; bf16: 7 bits, fp16: 10)


def main() -> None:
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(64, 128, 3)
    w32, b = conv.weight.detach(), conv.bias.detach().double()
    w = w32.double()
    w_norm = w.flatten(1).norm(dim=1).view(1, -1, 1, 1)
    print("inputs  operands bound | candidates per pixel: mean p99 max, share with one | union per 64-pixel tile")
    for dist in ("rand", "randn"):
        x32 = (torch.rand if dist == "rand" else torch.randn)(2, 64, 34, 130)
        x = x32.double()  # the fp32 inputs, exactly; sums in fp64
        exact = F.conv2d(x, w, b)
        x_norm = F.conv2d(x * x, torch.ones(1, 64, 3, 3, dtype=torch.double)).sqrt()
        s = F.conv2d(x.abs(), w.abs())
        for fmt, bits in (("bf16", 7), ("fp16", 10)):
            est = F.conv2d(round_mantissa(x32, bits).double(), round_mantissa(w32, bits).double(), b)
            delta = 2 * 2.0 ** -(bits + 1) + 2.0 ** -(2 * bits + 2) + 576 * 2.0**-23
            for name, bound in (("||w|| ||x||", delta * w_norm * x_norm), ("sum |w||x|", delta * s)):
                assert ((est - exact).abs() <= bound).all(), "the bound does not hold"
                cand = est - bound <= (est + bound).amin(1, keepdim=True)
                assert cand.gather(1, exact.argmin(1, keepdim=True)).all(), "the true minimum was filtered out"
                n = cand.sum(1).double()
                union = cand[..., :128].reshape(2, 128, 32, 2, 64).any(-1).sum(1).double()
                print(
                    f"{dist:6}  {fmt}     {name:11} | {n.mean():4.2f} {n.quantile(0.99):3.0f} {n.max():3.0f}"
                    f"  {(n == 1).double().mean():4.2f} | mean {union.mean():5.1f}  max {union.max():3.0f} of 128"
                )


if __name__ == "__main__":
    main()
