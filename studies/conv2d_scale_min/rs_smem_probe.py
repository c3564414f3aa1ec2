"""Can a Gluon consumer form F(2,3)'s V from an NCHW x tile in shared memory, straight into wgmma's register A
operand, with vector loads and no layout conversion? Compiled here for sm_90, no GPU.

    PYTHONPATH=/path/to/triton-3.6 python studies/conv2d_scale_min/rs_smem_probe.py [--ptx]

Why (GLUON_NOTES.md, "Session 12"): gluon_winograd_rs.py loads d0..d3 from global memory, four stride-2
scalar loads per element, and ncu shows it waiting on them (long-scoreboard stalls 3.25 per issue, 9.7
sectors per request, tensor pipe 22.7 %). Staged in shared memory by TMA, the tile could be read with 16-byte
loads, but F(2,3)'s windows overlap by two pixels: odd tiles (2t+1) start 8 bytes into a 16-byte quad, and
neither TMA (16-byte aligned starts) nor a shared-memory view (slice offsets must be multiples of the length)
shifts by two pixels. The trick here:

- TMA loads the row twice: copy A at pixel p0 and copy B at p0 + 4 (16-byte aligned), four [8 ch, 1, 32 px]
  boxes each, 128-byte swizzle.
- Each thread reads quad s of A and of B (pixels 4s..4s+3) as one 16-byte load per channel: a view of the
  swizzled buffer as [32 quads, 8 channels, 4 pixels] through a SharedLinearLayout (the swizzle is an XOR of
  bits, so it is linear).
- Even tile 2s takes d = A[s, 0..3]; odd tile 2s+1 takes d = (A[s, 2], A[s, 3], B[s, 0], B[s, 1]).
- The fragment rows are ordered so that each thread's two rows (r and r + 8) are the even and the odd tile of
  one quad: row = 16 s_hi + 8 v + s_lo for tile 2s + v, s = 8 s_hi + s_lo. The join of the even and the odd V
  then *is* wgmma's A layout: `convert_layout(..., assert_trivial=True)` compiles only if no data moves.

The kernel below calls gluon_winograd_rs's own view, layout and `_form_v`, as its consumers do. Prints whether
it compiles, the shared loads ptxas sees (ld.shared.v4 expected), registers and spills.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import torch
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.hopper import mbarrier, tma, warpgroup_mma, warpgroup_mma_wait
from triton.experimental.gluon.nvidia.hopper import TensorDescriptor

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from studies.conv2d_scale_min.compile_sm90 import compile_kernel, ptxas_report
from studies.conv2d_scale_min.gluon_winograd_rs import QUAD_LAYOUT, QUAD_VIEW, _form_v

# The x tile of one warpgroup: BOXES boxes of [8 channels, 1 row, 32 pixels] (128 B rows, 128-byte swizzle:
# the 16-byte chunk index of a row XORs with the row's index mod 8), 1 KB each: 128 pixels = 64 tiles.
BOXES = gl.constexpr(4)


@gluon.jit
def _probe_kernel(x_desc, out_ptr, N: gl.constexpr):
    acc_layout: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, N, 8])
    a_layout: gl.constexpr = gl.DotOperandLayout(operand_index=0, parent=acc_layout, k_width=1)
    xa = gl.allocate_shared_memory(gl.float32, [BOXES] + x_desc.block_type.shape, x_desc.layout)
    xb = gl.allocate_shared_memory(gl.float32, [BOXES] + x_desc.block_type.shape, x_desc.layout)
    bar = gl.allocate_shared_memory(gl.int64, [1], mbarrier.MBarrierLayout())
    mbarrier.init(bar, count=1)
    mbarrier.expect(bar, 2 * BOXES * x_desc.block_type.nbytes)
    for b in gl.static_range(BOXES):
        tma.async_copy_global_to_shared(x_desc, [0, 0, 32 * b], bar, xa.index(b))
        tma.async_copy_global_to_shared(x_desc, [0, 0, 32 * b + 4], bar, xb.index(b))
    mbarrier.wait(bar, 0)
    qa = xa._reinterpret(gl.float32, [32, 8, 4], QUAD_VIEW).load(QUAD_LAYOUT)
    qb = xb._reinterpret(gl.float32, [32, 8, 4], QUAD_VIEW).load(QUAD_LAYOUT)
    v0, v1, v2, v3 = _form_v(qa, qb, a_layout)  # gluon_winograd_rs's own, as its consumers call it
    u = gl.allocate_shared_memory(gl.float32, [N, 8], gl.NVMMASharedLayout.get_default_for([N, 8], gl.float32))
    acc = gl.zeros([64, N], gl.float32, acc_layout)
    acc = warpgroup_mma(v0, u.permute((1, 0)), acc, is_async=True)
    acc = warpgroup_mma(v1, u.permute((1, 0)), acc, is_async=True)
    acc = warpgroup_mma(v2, u.permute((1, 0)), acc, is_async=True)
    acc = warpgroup_mma(v3, u.permute((1, 0)), acc, is_async=True)
    acc, v0, v1, v2, v3 = warpgroup_mma_wait(num_outstanding=0, deps=(acc, v0, v1, v2, v3))
    om = gl.arange(0, 64, layout=gl.SliceLayout(1, acc_layout))
    on = gl.arange(0, N, layout=gl.SliceLayout(0, acc_layout))
    gl.store(out_ptr + om[:, None] * N + on[None, :], acc)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ptx", action="store_true", help="print the shared loads and the wgmma lines")
    a = ap.parse_args(argv)
    N = 64
    x = torch.empty(2 * 64, 16, 256)  # NCHW x viewed as [N * C, H, W]
    layout = gl.NVMMASharedLayout(swizzle_byte_width=128, element_bitwidth=32, rank=3)
    x_desc = TensorDescriptor.from_tensor(x, [8, 1, 32], layout)
    try:
        k = compile_kernel(_probe_kernel, dict(x_desc=x_desc, out_ptr=torch.empty(64 * N)), dict(N=N), num_warps=4)
    except Exception as e:  # the refusal is the answer
        print("does not compile:", str(e)[:3000])
        return 1
    ptx = k.asm["ptx"]
    loads = re.findall(r"ld\.shared[\w.]*", ptx)
    stores = re.findall(r"st\.shared[\w.]*", ptx)
    print(f"compiled; shared loads {sorted(set(loads))} x{len(loads)}, shared stores x{len(stores)}")
    print(ptxas_report(ptx).splitlines()[-2].strip())
    if a.ptx:
        for line in ptx.splitlines():
            if "ld.shared" in line or "wgmma.mma_async" in line:
                print(line.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
