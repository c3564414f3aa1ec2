"""Does Gluon issue TF32 wgmma with the A operand in registers (the "RS" form) on sm_90? Compiled here, no GPU.

    PYTHONPATH=/path/to/triton-3.6 python studies/conv2d_scale_min/rs_tf32_probe.py [--k-width 1] [--ptx]

Why it matters for #32 (GLUON_NOTES.md, "First GPU run of the F(2,3) kernel"): a Winograd consumer that forms
V_j = d_a +- d_b in its own registers and feeds them straight to wgmma needs no V scratch in DRAM and no V tile
written to shared memory. The kernel below does exactly that on one [64, 32] tile (V0 = d0 - d2) against a
[128, 32] B tile in NVMMA shared memory. With Triton 3.6 it compiles to
`wgmma.mma_async.sync.aligned.m64n128k8.f32.tf32.tf32 {acc}, {4 A registers}, b-desc` (107 registers, no
spill); k_width must be 1 for an in-register TF32 A ("in-register LHS operand must have a kWidth of 1").
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import torch
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.hopper import warpgroup_mma, warpgroup_mma_wait

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from studies.conv2d_scale_min.compile_sm90 import compile_kernel, ptxas_report


@gluon.jit
def _rs_tf32_kernel(x_ptr, w_ptr, out_ptr, BM: gl.constexpr, BN: gl.constexpr, BK: gl.constexpr, KW: gl.constexpr):
    # out[m, n] = sum over k of (x[m*BK + k] - x[m*BK + k + 2]) * w[n, k]: a V0 = d0 - d2 formed in registers,
    # laid out as wgmma's A operand, then one asynchronous wgmma against B in shared memory.
    acc_layout: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, BN, 8])
    a_layout: gl.constexpr = gl.DotOperandLayout(operand_index=0, parent=acc_layout, k_width=KW)
    m = gl.arange(0, BM, layout=gl.SliceLayout(1, a_layout))
    k = gl.arange(0, BK, layout=gl.SliceLayout(0, a_layout))
    d0 = gl.load(x_ptr + m[:, None] * BK + k[None, :])
    d2 = gl.load(x_ptr + 2 + m[:, None] * BK + k[None, :])
    w_layout: gl.constexpr = gl.BlockedLayout([1, 4], [8, 4], [4, 1], [1, 0])
    n = gl.arange(0, BN, layout=gl.SliceLayout(1, w_layout))
    kk = gl.arange(0, BK, layout=gl.SliceLayout(0, w_layout))
    w = gl.load(w_ptr + n[:, None] * BK + kk[None, :])
    b_smem = gl.allocate_shared_memory(
        gl.float32, [BN, BK], gl.NVMMASharedLayout.get_default_for([BN, BK], gl.float32), w
    )
    acc = gl.zeros([BM, BN], gl.float32, acc_layout)
    acc = warpgroup_mma(d0 - d2, b_smem.permute((1, 0)), acc, is_async=True)
    acc = warpgroup_mma_wait(num_outstanding=0, deps=(acc,))
    om = gl.arange(0, BM, layout=gl.SliceLayout(1, acc_layout))
    on = gl.arange(0, BN, layout=gl.SliceLayout(0, acc_layout))
    gl.store(out_ptr + om[:, None] * BN + on[None, :], acc)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k-width", type=int, default=1)
    ap.add_argument("--ptx", action="store_true", help="print the first wgmma instruction whole")
    a = ap.parse_args(argv)
    BM, BN, BK = 64, 128, 32
    args = dict(x_ptr=torch.empty(BM * BK + 2), w_ptr=torch.empty(BN * BK), out_ptr=torch.empty(BM * BN))
    try:
        k = compile_kernel(_rs_tf32_kernel, args, dict(BM=BM, BN=BN, BK=BK, KW=a.k_width), num_warps=4)
    except Exception as e:  # the refusal is the answer: say it in one line
        print(f"does not compile (k_width {a.k_width}): {str(e).splitlines()[0][:300]}")
        return 1
    ptx = k.asm["ptx"]
    forms = sorted(set(re.findall(r"wgmma\.mma_async[\w.]*", ptx)))
    a_in_registers = re.search(r"wgmma\.mma_async[\w.]*\s*\{[^}]*\},\s*\{", ptx) is not None
    print(f"compiled: {forms}; A operand in registers: {a_in_registers}")
    print(ptxas_report(ptx).splitlines()[-2].strip())
    if a.ptx:
        print(next(line.strip() for line in ptx.splitlines() if "wgmma.mma_async" in line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
