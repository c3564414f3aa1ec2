"""Winograd's GEMM work and operand traffic on Hopper, measured before its kernel is built (GLUON_NOTES.md, "Next").

    python studies/conv2d_scale_min/winograd_micro.py              # on a GPU: ms per variant, and what it implies
    python studies/conv2d_scale_min/winograd_micro.py --compile    # anywhere: compile each variant for sm_90 (ptxas -v)
    ncu -k regex:winograd --launch-skip 1 --launch-count 1 python .../winograd_micro.py --variants f23 --reps 1

Each variant streams the GEMM work of #32's full shape (64 images, 64 -> 128 channels, 254 x 254 outputs) in
one form, through the machinery of the promoted H200 kernel (kernels/conv2d_scale_min/best/nvidia-h200.py): a
1-warp TMA loader feeding STAGES shared-memory slots, two 4-warp consumer warpgroups issuing TF32 wgmma into
the accumulators the form needs, folding them as its output transform would, and storing a channel min per
output pixel. Left out: the restage, Winograd's input transform, correct values (the operands are noise from
an L2-resident buffer) and, where the warpgroups split the channels, the min across the two halves.

| variant  | form           | per CTA unit                        | accumulators per warpgroup | GEMM MACs |
|----------|----------------|-------------------------------------|----------------------------|-----------|
| direct   | direct conv    | 256 px of a row, 9 taps x 2 chunks  | 1 x [128 px, 128 ch]        | 1         |
| f23      | F(2,3), width  | 128 tiles (256 px), 4 x 3 x 2 steps | 2 x [64 tiles, 128 ch]      | 1/1.5     |
| f23s     | F(2,3), width  | 64 tiles shared, channels split     | 2 x [64 tiles, 64 ch]       | 1/1.5     |
| f22s     | F(2x2,3x3)     | 64 2x2 tiles shared, channels split | 5 x [64 tiles, 64 ch]       | 1/2.25    |

`direct` against the real kernel's 1.90 ms (evaluator timing, H200) says what the rest of the real kernel
costs; each Winograd variant's time plus its transform is then the most it could reach. The question it
answers: is shared memory (79 % busy under the direct kernel) or the tensor pipe the roof once the
multiplications drop 1.5x or 2.25x?
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
import triton
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.hopper import mbarrier, tma, warpgroup_mma, warpgroup_mma_wait
from triton.experimental.gluon.nvidia.hopper import TensorDescriptor

BK = 32  # K per step: 32 of the 64 input channels
C_CHUNKS = 2  # 64 input channels
N_IMG, H_OUT, W_OUT, C_OUT = 64, 254, 254, 128
A_BLOCKS = 512  # distinct A tiles in the noise buffer: 512 x 128 x 32 x 4 B = 8 MB, L2-resident like the scratch
B_BLOCKS = 64  # distinct weight tiles: 64 x 128 x 32 x 4 B = 1 MB
# variant: (MODE, SPLIT_N, BM, POS, KSTEPS, units): MODE 0 direct, 1 F(2,3), 2 F(2x2,3x3)
VARIANTS = {
    "direct": (0, False, 128, 1, 9 * C_CHUNKS, N_IMG * H_OUT * triton.cdiv(W_OUT, 256)),
    "f23": (1, False, 64, 4, 3 * C_CHUNKS, N_IMG * H_OUT * triton.cdiv(W_OUT // 2, 128)),
    "f23s": (1, True, 64, 4, 3 * C_CHUNKS, N_IMG * H_OUT * triton.cdiv(W_OUT // 2, 64)),
    "f22s": (2, True, 64, 16, C_CHUNKS, N_IMG * (H_OUT // 2) * triton.cdiv(W_OUT // 2, 64)),
}
DIRECT_MACS = N_IMG * H_OUT * W_OUT * C_OUT * 64 * 9  # 304.6 G: the problem's multiply-adds, direct


@gluon.jit
def _unit_range(units):
    pid = gl.program_id(0)
    nprog = gl.num_programs(0)
    return (pid * units) // nprog, ((pid + 1) * units) // nprog


@gluon.jit
def _loader(
    a_desc,
    b_desc,
    a_bufs,
    b_bufs,
    ready,
    empty,
    units,
    SPLIT_N: gl.constexpr,
    BM: gl.constexpr,
    STEPS: gl.constexpr,
    STAGES: gl.constexpr,
):
    # 1 warp: per step, the A tile(s) (one shared by both warpgroups, or one each) and one [128 ch, BK] B tile.
    N_A: gl.constexpr = 1 if SPLIT_N else 2
    STEP_BYTES: gl.constexpr = N_A * a_desc.block_type.nbytes + b_desc.block_type.nbytes
    u0, u1 = _unit_range(units)
    it = 0
    for u in range(u0, u1):
        for step in range(STEPS):
            s = it % STAGES
            mbarrier.wait(empty.index(s), ((it // STAGES) & 1) ^ 1)  # a fresh barrier: parity 1 passes
            bar = ready.index(s)
            mbarrier.expect(bar, STEP_BYTES)
            for i in gl.static_range(N_A):
                tma.async_copy_global_to_shared(
                    a_desc, [((it * N_A + i) % 512) * BM, 0], bar, a_bufs.index(N_A * s + i)
                )
            tma.async_copy_global_to_shared(b_desc, [(it % 64) * 128, 0], bar, b_bufs.index(s))
            it += 1


@gluon.jit
def _k_loop(
    a_bufs,
    b_bufs,
    ready,
    empty,
    acc,
    it,
    WG: gl.constexpr,
    SPLIT_N: gl.constexpr,
    BM: gl.constexpr,
    BN: gl.constexpr,
    NSTEPS: gl.constexpr,
    ACCUMULATE: gl.constexpr,
    STAGES: gl.constexpr,
):
    # acc (+)= sum over NSTEPS slots of A[BM, BK] @ B[BN, BK]^T; each slot released once its wgmma retired.
    for step in range(NSTEPS):
        s = it % STAGES
        mbarrier.wait(ready.index(s), (it // STAGES) & 1)
        if SPLIT_N:
            a = a_bufs.index(s)
            b = b_bufs.index(s).slice(WG * BN, BN)  # this warpgroup's half of the channels
        else:
            a = a_bufs.index(2 * s + WG)
            b = b_bufs.index(s)
        acc = warpgroup_mma(a, b.permute((1, 0)), acc, use_acc=(step > 0) | ACCUMULATE, is_async=True)
        acc = warpgroup_mma_wait(num_outstanding=1, deps=(acc,))
        mbarrier.arrive(empty.index((it + STAGES - 1) % STAGES), count=1, pred=step > 0)
        it += 1
    acc = warpgroup_mma_wait(num_outstanding=0, deps=(acc,))
    mbarrier.arrive(empty.index((it + STAGES - 1) % STAGES), count=1)
    return acc, it


@gluon.jit
def _fold(y, t, XI: gl.constexpr, NU: gl.constexpr, OI: gl.constexpr, OK: gl.constexpr):
    # F(2x2,3x3) output transform, one term: y_(oi,ok) += A[xi, oi] A[nu, ok] M_(xi,nu), A^T = [[1,1,1,0],[0,1,-1,-1]].
    AX: gl.constexpr = (1 if XI < 3 else 0) if OI == 0 else (0 if XI == 0 else (1 if XI == 1 else -1))
    AN: gl.constexpr = (1 if NU < 3 else 0) if OK == 0 else (0 if NU == 0 else (1 if NU == 1 else -1))
    if AX * AN == 1:
        y = y + t
    if AX * AN == -1:
        y = y - t
    return y


@gluon.jit
def _consumer(
    a_bufs,
    b_bufs,
    ready,
    empty,
    out_ptr,
    units,
    WG: gl.constexpr,
    MODE: gl.constexpr,
    SPLIT_N: gl.constexpr,
    BM: gl.constexpr,
    BN: gl.constexpr,
    POS: gl.constexpr,
    KSTEPS: gl.constexpr,
    STAGES: gl.constexpr,
):
    acc_layout: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, BN, 8])
    offs_m = gl.arange(0, BM, layout=gl.SliceLayout(1, acc_layout))
    u0, u1 = _unit_range(units)
    y0 = gl.zeros([BM, BN], gl.float32, acc_layout)  # F(2,3)'s two accumulators, made once (a per-unit
    y1 = gl.zeros([BM, BN], gl.float32, acc_layout)  # gl.zeros is a third live tile: ptxas spills it)
    it = 0
    for u in range(u0, u1):
        base = out_ptr + u * (8 * BM) + WG * (4 * BM)
        if MODE == 0:  # direct: one accumulator over all 9 taps and both chunks
            y = gl.zeros([BM, BN], gl.float32, acc_layout)
            y, it = _k_loop(a_bufs, b_bufs, ready, empty, y, it, WG, SPLIT_N, BM, BN, KSTEPS, False, STAGES)
            gl.store(base + offs_m, gl.min(y, axis=1))
        elif MODE == 1:  # F(2,3): y(2t) = M0+M1+M2, y(2t+1) = M1-M2-M3, in gluon_winograd.py's order
            # j = 1, 2, fold in place, 0, 3 (U3 negated): two accumulators, carried from unit to unit
            y1, it = _k_loop(a_bufs, b_bufs, ready, empty, y1, it, WG, SPLIT_N, BM, BN, KSTEPS, False, STAGES)
            y0, it = _k_loop(a_bufs, b_bufs, ready, empty, y0, it, WG, SPLIT_N, BM, BN, KSTEPS, False, STAGES)
            y1 = y1 - y0
            y0 = y0 * 2.0 + y1
            y0, it = _k_loop(a_bufs, b_bufs, ready, empty, y0, it, WG, SPLIT_N, BM, BN, KSTEPS, True, STAGES)
            y1, it = _k_loop(a_bufs, b_bufs, ready, empty, y1, it, WG, SPLIT_N, BM, BN, KSTEPS, True, STAGES)
            gl.store(base + offs_m, gl.min(y0, axis=1))
            gl.store(base + BM + offs_m, gl.min(y1, axis=1))
        else:  # F(2x2,3x3): 16 positions, each a K loop into t, folded into the four outputs at once
            y00 = gl.zeros([BM, BN], gl.float32, acc_layout)
            y01 = gl.zeros([BM, BN], gl.float32, acc_layout)
            y10 = gl.zeros([BM, BN], gl.float32, acc_layout)
            y11 = gl.zeros([BM, BN], gl.float32, acc_layout)
            for p in gl.static_range(POS):
                t = gl.zeros([BM, BN], gl.float32, acc_layout)
                t, it = _k_loop(a_bufs, b_bufs, ready, empty, t, it, WG, SPLIT_N, BM, BN, KSTEPS, False, STAGES)
                y00 = _fold(y00, t, p // 4, p % 4, 0, 0)
                y01 = _fold(y01, t, p // 4, p % 4, 0, 1)
                y10 = _fold(y10, t, p // 4, p % 4, 1, 0)
                y11 = _fold(y11, t, p // 4, p % 4, 1, 1)
            gl.store(base + offs_m, gl.min(y00, axis=1))
            gl.store(base + BM + offs_m, gl.min(y01, axis=1))
            gl.store(base + 2 * BM + offs_m, gl.min(y10, axis=1))
            gl.store(base + 3 * BM + offs_m, gl.min(y11, axis=1))


@gluon.jit
def _consumer0(
    a_bufs,
    b_bufs,
    ready,
    empty,
    out_ptr,
    units,
    MODE: gl.constexpr,
    SPLIT_N: gl.constexpr,
    BM: gl.constexpr,
    BN: gl.constexpr,
    POS: gl.constexpr,
    KSTEPS: gl.constexpr,
    STAGES: gl.constexpr,
):
    _consumer(a_bufs, b_bufs, ready, empty, out_ptr, units, 0, MODE, SPLIT_N, BM, BN, POS, KSTEPS, STAGES)


@gluon.jit
def _consumer1(
    a_bufs,
    b_bufs,
    ready,
    empty,
    out_ptr,
    units,
    MODE: gl.constexpr,
    SPLIT_N: gl.constexpr,
    BM: gl.constexpr,
    BN: gl.constexpr,
    POS: gl.constexpr,
    KSTEPS: gl.constexpr,
    STAGES: gl.constexpr,
):
    _consumer(a_bufs, b_bufs, ready, empty, out_ptr, units, 1, MODE, SPLIT_N, BM, BN, POS, KSTEPS, STAGES)


@gluon.jit
def _winograd_micro_kernel(
    a_desc,
    b_desc,
    out_ptr,
    units,
    MODE: gl.constexpr,
    SPLIT_N: gl.constexpr,
    BM: gl.constexpr,
    POS: gl.constexpr,
    KSTEPS: gl.constexpr,
    STAGES: gl.constexpr,
    CONSUMER_REGS: gl.constexpr,
):
    N_A: gl.constexpr = 1 if SPLIT_N else 2
    BN: gl.constexpr = 64 if SPLIT_N else 128
    a_bufs = gl.allocate_shared_memory(gl.float32, [N_A * STAGES] + a_desc.block_type.shape, a_desc.layout)
    b_bufs = gl.allocate_shared_memory(gl.float32, [STAGES] + b_desc.block_type.shape, b_desc.layout)
    ready = gl.allocate_shared_memory(gl.int64, [STAGES, 1], mbarrier.MBarrierLayout())
    empty = gl.allocate_shared_memory(gl.int64, [STAGES, 1], mbarrier.MBarrierLayout())
    for i in gl.static_range(STAGES):
        mbarrier.init(ready.index(i), count=1)  # the loader's expect; TMA bytes complete the phase
        mbarrier.init(empty.index(i), count=2)  # one arrive per consumer warpgroup
    gl.warp_specialize(
        [
            (_consumer0, (a_bufs, b_bufs, ready, empty, out_ptr, units, MODE, SPLIT_N, BM, BN, POS, KSTEPS, STAGES)),
            (_consumer1, (a_bufs, b_bufs, ready, empty, out_ptr, units, MODE, SPLIT_N, BM, BN, POS, KSTEPS, STAGES)),
            (_loader, (a_desc, b_desc, a_bufs, b_bufs, ready, empty, units, SPLIT_N, BM, POS * KSTEPS, STAGES)),
        ],
        [4, 1],
        [CONSUMER_REGS, 24],
    )


def operands(variant: str, device: str = "cuda"):
    """The noise buffers, their TMA descriptors and the output, for `variant`."""
    mode, split, bm, pos, ksteps, units = VARIANTS[variant]
    a = torch.randn(A_BLOCKS * bm, BK, device=device)
    b = torch.randn(B_BLOCKS * 128, BK, device=device)
    a_desc = TensorDescriptor(
        a, list(a.shape), list(a.stride()), [bm, BK], gl.NVMMASharedLayout.get_default_for([bm, BK], gl.float32)
    )
    b_desc = TensorDescriptor(
        b, list(b.shape), list(b.stride()), [128, BK], gl.NVMMASharedLayout.get_default_for([128, BK], gl.float32)
    )
    out = torch.empty(units * 8 * bm, device=device)
    return (a, b), a_desc, b_desc, out, dict(MODE=mode, SPLIT_N=split, BM=bm, POS=pos, KSTEPS=ksteps), units


def run(variant: str, stages: int, regs: int, num_ctas: int, bufs=None):
    keep, a_desc, b_desc, out, meta, units = bufs or operands(variant)
    _winograd_micro_kernel[(num_ctas,)](
        a_desc, b_desc, out, units, STAGES=stages, CONSUMER_REGS=regs, num_warps=4, **meta
    )
    return out


def bench(variant: str, stages: int, regs: int, reps: int = 20) -> float:
    """Median ms of one launch over the whole problem's work (CUDA events, after two warm-up launches)."""
    ctas = torch.cuda.get_device_properties(0).multi_processor_count
    bufs = operands(variant)
    for _ in range(2):
        run(variant, stages, regs, ctas, bufs)
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        run(variant, stages, regs, ctas, bufs)
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return sorted(times)[len(times) // 2]


def compile_only(variant: str, stages: int, regs: int) -> str:
    """Compile for sm_90 without a GPU (studies/conv2d_scale_min/compile_sm90.py) and return ptxas' report."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from studies.conv2d_scale_min.compile_sm90 import compile_kernel, ptxas_report

    _, a_desc, b_desc, out, meta, units = operands(variant, device="cpu")
    args = dict(a_desc=a_desc, b_desc=b_desc, out_ptr=out, units=units)
    k = compile_kernel(_winograd_micro_kernel, args, dict(meta, STAGES=stages, CONSUMER_REGS=regs), num_warps=4)
    return f"shared {k.metadata.shared} B\n" + ptxas_report(k.asm["ptx"])


# (stages, consumer registers) per variant: shared memory and the accumulators decide
SETTINGS = {"direct": (4, 200), "f23": (6, 200), "f23s": (6, 168), "f22s": (6, 200)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--compile", action="store_true", help="compile each variant for sm_90 and print ptxas -v")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--reps", type=int, default=20, help="timed launches per variant (1 under ncu)")
    a = ap.parse_args(argv)
    names = [v for v in a.variants.split(",") if v]
    if a.compile:
        for v in names:
            print(f"== {v} (stages, regs) = {SETTINGS[v]}")
            print(compile_only(v, *SETTINGS[v]))
        return 0
    print(f"{torch.cuda.get_device_name(0)}, triton {triton.__version__}, torch {torch.__version__}")
    print("variant  stages regs  ms      GEMM MACs  TMAC/s  direct-equivalent TMAC/s")
    for v in names:
        mode, split, bm, pos, ksteps, units = VARIANTS[v]
        ms = bench(v, *SETTINGS[v], reps=a.reps)
        # MACs the variant issues: per unit, 2 warpgroups x BM x BN x BK per step, POS x KSTEPS steps
        bn = 64 if split else 128
        macs = units * 2 * bm * bn * BK * pos * ksteps
        print(
            f"{v:8s} {SETTINGS[v][0]:6d} {SETTINGS[v][1]:4d}  {ms:6.3f}  {macs / 1e9:7.1f} G  {macs / ms / 1e9:6.1f}"
            f"  {DIRECT_MACS / ms / 1e9:6.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
