"""The direct conv of #32 with no restage: NCHW x by TMA into shared memory, wgmma's A operand built in registers.

    from studies.conv2d_scale_min.gluon_direct_rs import conv_scale_min_direct_rs
    out = conv_scale_min_direct_rs(x, weight, bias, 2.0)   # CUDA, sm_90; 3x3 kernels, stride 1, no padding
    python -m studies.conv2d_scale_min.gluon_direct_rs --check [--sweep]   # on a GPU: against fp64, timed

Why (GLUON_NOTES.md, "Session 12"): the promoted H200 kernel restages x to channels-last through a DRAM
scratch (1.1 GB written and read again: 3.3 GB of DRAM traffic, 17.7 GB through L2, at a 700 W power cap that
holds the clock at 1.4-1.5 GHz) because TF32 wgmma reads its shared-memory operands K-major and x is NCHW.
With A taken from registers instead (TF32 wgmma allows it: rs_tf32_probe.py), the transpose happens in the
load: gluon_winograd_rs.py's quad trick, applied to the direct conv's taps.

Per output row, 128 pixels per consumer warpgroup, output channel co:

    y[p, co] = sum over kh, kw, c of x[c, oh + kh, p + kw] * w[co, c, kh, kw]

- The loader (gluon_winograd_rs's) brings each (kh, 8-channel chunk) stage by TMA: the three taps' weight
  tiles [N, 8] (rows (kh * 3 + kw) * BN + co, TF32-rounded, columns in SIGMA's order) and the input row once,
  9 boxes of [8 channels, 32 pixels] (128-byte swizzle) at pixel 256 tw + 32 b: warpgroup w's 128 pixels
  are boxes 4w .. 4w + 3, box 4w + 4 its right halo.
- A consumer reads quad s (pixels P + 4s .. + 3) of its window with one 16-byte load per channel, and the
  first two pixels of quad s of the window a box on (P + 4s + 32 ..) with one 8-byte load; _next_quad's
  4-lane rotation (shfl) makes the latter quad s + 1: x at pixels 4s + 0 .. 4s + 5, everything the four
  output pixels 4s .. 4s + 3 need for all three taps.
- Two accumulators of [64 rows, N] per warpgroup: block i holds output pixels 4s + 2i + v at row
  16 s_hi + 8 v + s_lo (gluon_winograd_rs._fragment's order), so the A operand of block i and tap kw is the
  join of x[4s + 2i + kw] (v = 0) and x[4s + 2i + kw + 1] (v = 1): registers already loaded, no data
  movement. Six m64nNk8 wgmmas per stage, no arithmetic but the TF32 rounding of x.
- The channel min is whole in each warpgroup (N = 128 covers every channel of #32): bias, scale and min in
  the epilogue, no exchange between warpgroups.

Per stage (two warpgroups, 768 tensor cycles at N = 128): 9 KB of x and 12 KB of weights from L2 (the
promoted H200 kernel: 24 KB per 512 cycles, plus its scratch), 64 KB of shared-memory operand reads.

Measured (session 13; benchmarks/h100_session13.txt, h200_session13.txt). The first version, with two copies of x per
warpgroup (16 KB per stage), was correct and took 2.38-2.52 ms (`--check --sweep`); under ncu 2.08 ms at
1.81 GHz with the L2 88.5 % busy (12.4 GB through it) and the tensor pipe 64.5 %: L2-bound. It was
promoted for the H100 through the loop (2.14 ms in the evaluator, 1.53x torch.compile). One copy with the
halo cuts the L2 bytes per stage by a quarter (28 -> 21 KB): 1.61 ms under ncu on both an H200 and an H100,
tensor pipe 84.5 %, L2 68 % busy (tensor-bound now); 1.70-1.73 ms in `--check` on the H200; promoted for the
H100 through the loop (1.808 ms, 1.78x torch.compile). 168 registers, no spill, 172 KB of shared memory at 8
stages; kernels/conv2d_scale_min/NOTES.md, "Session 13".

PREFETCH (built after session 13's device time ran out; off by default since session 15): each stage's wgmmas
are issued, then the next stage's x is loaded, shuffled and rounded while they run, then the wait. The
in-flight fragments are deps of a wait in the same loop iteration, so no back edge can move them; the SASS
shows the loads between the HGMMAs and their DEPBAR, into other registers (sass_hazards.py: 0 hazards).
Correct on an H200 (session 15), but slower: 1.878 ms against 1.690 ms without it (`--check --sweep`), so
the launcher's default is PREFETCH=False, the build the loop promoted for the H200 (1.741 ms in the
evaluator, 1.63x torch.compile; kernels/conv2d_scale_min/NOTES.md, "Session 15").

AHEAD (session 16; the launcher's default, with STAGES=10): PREFETCH still waited for all of a stage's wgmmas,
so the pipe ran out of this warpgroup's work at every stage boundary. AHEAD issues stage it's six wgmmas and
then waits with num_outstanding=6, which retires stage it - 1 only. A row's 24 stages are unrolled, the
fragments alternating between two sets, so that a set is rewritten only after the wait that retired it (a
rolled one-set loop rewrote in-flight A registers; a rolled two-set loop made ptxas serialise every wgmma,
C7512). On an H100: identical output; 1.681 ms against 1.953 in `--check --sweep`; 1.599 against 1.737 ms in
the loop, the tensor pipe 91.9 % against 84.9 % under its ncu; promote's race 1.619 against 1.660 ms, inside its
4 % noise rule, so not promoted (kernels/conv2d_scale_min/NOTES.md, "Session 16"). Session 17: promoted for
the H100 through the loop (1.647 ms in promote's re-check; its race 1.613 against 1.737).

LOOKAHEAD (session 17; the launcher's default with AHEAD): ncu's source page showed the consumers' first wait of
each stage on the x loads (VIADD's short-scoreboard stall, 23 % of samples). _lookahead_pass loads, rotates and
rounds stage it + 1's x right after stage it's six wgmmas are issued, before the wait that retires stage it - 1:
the SASS per stage is HGMMA x 6, TRYWAIT, LDS x 4, DEPBAR.LE 6, arrive, SHFL x 4; 0 hazards, 12 bytes of spill.
The same change made gluon_winograd_resident 7 % faster on an H100 (2.137 against 2.287 ms).
Session 18: at the clock the power cap holds under sustained work, LOOKAHEAD and the promoted AHEAD build take
the same time on an H100 (promote's race with 400 ms turns, benchmarks/race_self.py: 1.627 against 1.626 ms).
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl
from triton.experimental import gluon
from triton.experimental.gluon import language as gl

# tma: used by gluon_winograd_rs's _loader, whose text the candidate file (candidate_source) carries with these
from triton.experimental.gluon.language.nvidia.hopper import mbarrier, tma, warpgroup_mma, warpgroup_mma_wait  # noqa: F401
from triton.experimental.gluon.nvidia.hopper import TensorDescriptor

from studies.conv2d_scale_min.gluon_winograd import _round_tf32_g, _row_range

# QUAD_LAYOUT, QUAD_VIEW and _next_quad: used by these helpers, whose text the candidate file carries
from studies.conv2d_scale_min.gluon_winograd_rs import X_BOXES, _fragment, _loader, _pixels, _windows


@gluon.jit
def _taps(qa, qn):
    # Quads of the own window (pixels 4s..4s+3) and of the window a box on -> x at pixels 4s + 0 .. 4s + 5,
    # TF32-rounded.
    x0, x1, x2, x3, x4, x5 = _pixels(qa, qn)
    return (
        _round_tf32_g(x0),
        _round_tf32_g(x1),
        _round_tf32_g(x2),
        _round_tf32_g(x3),
        _round_tf32_g(x4),
        _round_tf32_g(x5),
    )


@gluon.jit
def _stage_taps(x_bufs, ready, it, STAGES: gl.constexpr, WG: gl.constexpr):
    # Stage it's x, once the loader's TMA has landed: pixels 4s + 0 .. 4s + 5 of this warpgroup, TF32-rounded.
    s = it % STAGES
    mbarrier.wait(ready.index(s), (it // STAGES) & 1)
    qa, qn = _windows(x_bufs, s, WG)
    return _taps(qa, qn)


@gluon.jit
def _issue(x0, x1, x2, x3, x4, x5, w_bufs, s, acc0, acc1, first, a_layout: gl.constexpr):
    # Stage s's six products, asynchronous: block 0 takes pixels 4s + v + kw, block 1 4s + 2 + v + kw (kw the
    # tap, v the row pair); returns the accumulators and the five A fragments, which the wgmmas read until
    # a wait names them.
    f00 = _fragment(x0, x1, a_layout)
    f01 = _fragment(x1, x2, a_layout)
    f02 = _fragment(x2, x3, a_layout)
    f11 = _fragment(x3, x4, a_layout)
    f12 = _fragment(x4, x5, a_layout)
    acc0 = warpgroup_mma(f00, w_bufs.index(3 * s).permute((1, 0)), acc0, use_acc=first, is_async=True)
    acc1 = warpgroup_mma(f02, w_bufs.index(3 * s).permute((1, 0)), acc1, use_acc=first, is_async=True)
    acc0 = warpgroup_mma(f01, w_bufs.index(3 * s + 1).permute((1, 0)), acc0, is_async=True)
    acc1 = warpgroup_mma(f11, w_bufs.index(3 * s + 1).permute((1, 0)), acc1, is_async=True)
    acc0 = warpgroup_mma(f02, w_bufs.index(3 * s + 2).permute((1, 0)), acc0, is_async=True)
    acc1 = warpgroup_mma(f12, w_bufs.index(3 * s + 2).permute((1, 0)), acc1, is_async=True)
    return acc0, acc1, f00, f01, f02, f11, f12


@gluon.jit
def _lookahead_pass(
    x_bufs,
    w_bufs,
    ready,
    empty,
    it,
    KSTEPS: gl.constexpr,
    acc0,
    acc1,
    STAGES: gl.constexpr,
    WG: gl.constexpr,
    a_layout: gl.constexpr,
):
    # AHEAD with LOOKAHEAD: one pass's KSTEPS stages, each stage's x loaded, rotated and rounded while the
    # previous stage's products and its own run (after its six are issued, before the wait that retires the
    # previous six), so no stage starts with shared-memory and shuffle latency before its products. The loaded
    # x are new registers: the in-flight fragments (sets A and B, as in the AHEAD branch) stay live until the
    # wait that names them. Returns the accumulators and the next pass's first stage.
    x0, x1, x2, x3, x4, x5 = _stage_taps(x_bufs, ready, it, STAGES, WG)
    acc0, acc1, a00, a01, a02, a11, a12 = _issue(
        x0, x1, x2, x3, x4, x5, w_bufs, it % STAGES, acc0, acc1, False, a_layout
    )
    x0, x1, x2, x3, x4, x5 = _stage_taps(x_bufs, ready, it + 1, STAGES, WG)  # KSTEPS = 3 * chunks: a next stage
    acc0, acc1 = warpgroup_mma_wait(num_outstanding=6, deps=(acc0, acc1))  # the accumulators' type, nothing retired
    it += 1
    for k in gl.static_range((KSTEPS - 1) // 2):  # stages 2k + 1 (set B) and 2k + 2 (set A)
        acc0, acc1, b00, b01, b02, b11, b12 = _issue(
            x0, x1, x2, x3, x4, x5, w_bufs, it % STAGES, acc0, acc1, True, a_layout
        )
        x0, x1, x2, x3, x4, x5 = _stage_taps(x_bufs, ready, it + 1, STAGES, WG)  # 2k + 2 <= KSTEPS - 1
        acc0, acc1, a00, a01, a02, a11, a12 = warpgroup_mma_wait(
            num_outstanding=6, deps=(acc0, acc1, a00, a01, a02, a11, a12)
        )
        mbarrier.arrive(empty.index((it - 1) % STAGES), count=1)
        it += 1
        acc0, acc1, a00, a01, a02, a11, a12 = _issue(
            x0, x1, x2, x3, x4, x5, w_bufs, it % STAGES, acc0, acc1, True, a_layout
        )
        if 2 * k + 3 < KSTEPS:
            x0, x1, x2, x3, x4, x5 = _stage_taps(x_bufs, ready, it + 1, STAGES, WG)
        acc0, acc1, b00, b01, b02, b11, b12 = warpgroup_mma_wait(
            num_outstanding=6, deps=(acc0, acc1, b00, b01, b02, b11, b12)
        )
        mbarrier.arrive(empty.index((it - 1) % STAGES), count=1)
        it += 1
    if (KSTEPS - 1) % 2 == 1:  # one stage left, in set B; its x is loaded
        acc0, acc1, b00, b01, b02, b11, b12 = _issue(
            x0, x1, x2, x3, x4, x5, w_bufs, it % STAGES, acc0, acc1, True, a_layout
        )
        acc0, acc1, a00, a01, a02, a11, a12 = warpgroup_mma_wait(
            num_outstanding=6, deps=(acc0, acc1, a00, a01, a02, a11, a12)
        )
        mbarrier.arrive(empty.index((it - 1) % STAGES), count=1)
        it += 1
        acc0, acc1, b00, b01, b02, b11, b12 = warpgroup_mma_wait(
            num_outstanding=0, deps=(acc0, acc1, b00, b01, b02, b11, b12)
        )
    else:
        acc0, acc1, a00, a01, a02, a11, a12 = warpgroup_mma_wait(
            num_outstanding=0, deps=(acc0, acc1, a00, a01, a02, a11, a12)
        )
    mbarrier.arrive(empty.index((it - 1) % STAGES), count=1)
    return acc0, acc1, it


@gluon.jit
def _consumer(
    x_bufs,
    w_bufs,
    ready,
    empty,
    b_ptr,
    out_ptr,
    C_out,
    H_out,
    W_out,
    TILES_W,
    num_rows,
    scale,
    WG: gl.constexpr,
    BN: gl.constexpr,
    N: gl.constexpr,
    BK: gl.constexpr,
    C_PAD: gl.constexpr,
    STAGES: gl.constexpr,
    PREFETCH: gl.constexpr,
    AHEAD: gl.constexpr,
    LOOKAHEAD: gl.constexpr,
):
    # One warpgroup: output pixels [P, P + 128) of each unit, P = 256 tw + 128 WG, in two [64, N] blocks;
    # every output channel in BN // N passes of N, the running min over channels in registers.
    acc_layout: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, N, 8])
    a_layout: gl.constexpr = gl.DotOperandLayout(operand_index=0, parent=acc_layout, k_width=1)
    r = gl.arange(0, 64, layout=gl.SliceLayout(1, acc_layout))
    px_o = 4 * (8 * (r // 16) + r % 8) + (r // 8) % 2  # block 0's pixel of row r (block 1's: + 2)
    chan_o = gl.arange(0, N, layout=gl.SliceLayout(0, acc_layout))
    t0, t1 = _row_range(num_rows)
    CHUNKS: gl.constexpr = C_PAD // BK
    acc0 = gl.zeros([64, N], gl.float32, acc_layout)
    acc1 = gl.zeros([64, N], gl.float32, acc_layout)
    total = (t1 - t0) * TILES_W * (BN // N) * 3 * CHUNKS  # the stages this CTA consumes, in the loader's order
    if PREFETCH:  # the launcher's grid never exceeds the rows: every CTA has a first stage
        x0, x1, x2, x3, x4, x5 = _stage_taps(x_bufs, ready, 0, STAGES, WG)
    it = 0
    for t in range(t0, t1):
        for tw in range(TILES_W):
            p0 = tw * 256 + WG * 128
            lo0 = gl.full([64], float("inf"), gl.float32, gl.SliceLayout(1, acc_layout))
            lo1 = gl.full([64], float("inf"), gl.float32, gl.SliceLayout(1, acc_layout))
            for p in range(BN // N):
                if AHEAD and LOOKAHEAD:
                    acc0, acc1, it = _lookahead_pass(
                        x_bufs, w_bufs, ready, empty, it, 3 * CHUNKS, acc0, acc1, STAGES, WG, a_layout
                    )
                elif AHEAD:
                    # Two stages' products in flight: stage it's wgmmas are issued before stage it - 1's are
                    # waited for (num_outstanding=6: this stage's six), so the tensor pipe always holds this
                    # warpgroup's next products while it waits, releases and loads. Stages alternate between two
                    # sets of fragments, A (even) and B (odd): a set is loaded again only after the wait that
                    # retired its last products, so no register an in-flight wgmma reads is written (a loop of
                    # one set rewrites its registers a stage too early; sass_hazards.py finds that). The row's
                    # stages are unrolled (static_range): in a rolled two-set loop ptxas serialises the wgmmas.
                    x0, x1, x2, x3, x4, x5 = _stage_taps(x_bufs, ready, it, STAGES, WG)
                    acc0, acc1, a00, a01, a02, a11, a12 = _issue(
                        x0, x1, x2, x3, x4, x5, w_bufs, it % STAGES, acc0, acc1, False, a_layout
                    )
                    # Waits for nothing (all six may stay outstanding): the accumulators' type as the loop carries it
                    acc0, acc1 = warpgroup_mma_wait(num_outstanding=6, deps=(acc0, acc1))
                    it += 1
                    for k in gl.static_range((3 * CHUNKS - 1) // 2):  # stages 2k + 1 (set B) and 2k + 2 (set A)
                        x0, x1, x2, x3, x4, x5 = _stage_taps(x_bufs, ready, it, STAGES, WG)
                        acc0, acc1, b00, b01, b02, b11, b12 = _issue(
                            x0, x1, x2, x3, x4, x5, w_bufs, it % STAGES, acc0, acc1, True, a_layout
                        )
                        acc0, acc1, a00, a01, a02, a11, a12 = warpgroup_mma_wait(
                            num_outstanding=6, deps=(acc0, acc1, a00, a01, a02, a11, a12)
                        )
                        mbarrier.arrive(empty.index((it - 1) % STAGES), count=1)
                        it += 1
                        x0, x1, x2, x3, x4, x5 = _stage_taps(x_bufs, ready, it, STAGES, WG)
                        acc0, acc1, a00, a01, a02, a11, a12 = _issue(
                            x0, x1, x2, x3, x4, x5, w_bufs, it % STAGES, acc0, acc1, True, a_layout
                        )
                        acc0, acc1, b00, b01, b02, b11, b12 = warpgroup_mma_wait(
                            num_outstanding=6, deps=(acc0, acc1, b00, b01, b02, b11, b12)
                        )
                        mbarrier.arrive(empty.index((it - 1) % STAGES), count=1)
                        it += 1
                    if (3 * CHUNKS - 1) % 2 == 1:  # one stage left, in set B
                        x0, x1, x2, x3, x4, x5 = _stage_taps(x_bufs, ready, it, STAGES, WG)
                        acc0, acc1, b00, b01, b02, b11, b12 = _issue(
                            x0, x1, x2, x3, x4, x5, w_bufs, it % STAGES, acc0, acc1, True, a_layout
                        )
                        acc0, acc1, a00, a01, a02, a11, a12 = warpgroup_mma_wait(
                            num_outstanding=6, deps=(acc0, acc1, a00, a01, a02, a11, a12)
                        )
                        mbarrier.arrive(empty.index((it - 1) % STAGES), count=1)
                        it += 1
                        acc0, acc1, b00, b01, b02, b11, b12 = warpgroup_mma_wait(
                            num_outstanding=0, deps=(acc0, acc1, b00, b01, b02, b11, b12)
                        )
                    else:
                        acc0, acc1, a00, a01, a02, a11, a12 = warpgroup_mma_wait(
                            num_outstanding=0, deps=(acc0, acc1, a00, a01, a02, a11, a12)
                        )
                    mbarrier.arrive(empty.index((it - 1) % STAGES), count=1)
                else:
                    for step in range(3 * CHUNKS):
                        s = it % STAGES
                        if not PREFETCH:
                            x0, x1, x2, x3, x4, x5 = _stage_taps(x_bufs, ready, it, STAGES, WG)
                        first = step > 0
                        # block 0: pixels 4s + v + kw; block 1: 4s + 2 + v + kw
                        f00 = _fragment(x0, x1, a_layout)
                        f01 = _fragment(x1, x2, a_layout)
                        f02 = _fragment(x2, x3, a_layout)
                        f12 = _fragment(x4, x5, a_layout)
                        w0 = w_bufs.index(3 * s).permute((1, 0))
                        acc0 = warpgroup_mma(f00, w0, acc0, use_acc=first, is_async=True)
                        acc1 = warpgroup_mma(f02, w0, acc1, use_acc=first, is_async=True)
                        acc0 = warpgroup_mma(f01, w_bufs.index(3 * s + 1).permute((1, 0)), acc0, is_async=True)
                        f11 = _fragment(x3, x4, a_layout)
                        acc1 = warpgroup_mma(f11, w_bufs.index(3 * s + 1).permute((1, 0)), acc1, is_async=True)
                        acc0 = warpgroup_mma(f02, w_bufs.index(3 * s + 2).permute((1, 0)), acc0, is_async=True)
                        acc1 = warpgroup_mma(f12, w_bufs.index(3 * s + 2).permute((1, 0)), acc1, is_async=True)
                        if PREFETCH and it + 1 < total:
                            # The next stage's x loads and rounds while these products run, into registers other
                            # than theirs: the fragments stay live (deps below) until the wait in this same
                            # iteration, so no loop back edge lets them move (sass_hazards.py checks the SASS).
                            x0, x1, x2, x3, x4, x5 = _stage_taps(x_bufs, ready, it + 1, STAGES, WG)
                        # The stage's products retired: its slots go back to the loader. The A registers are
                        # deps too: an asynchronous wgmma reads them until this wait.
                        acc0, acc1, f00, f01, f02, f11, f12 = warpgroup_mma_wait(
                            num_outstanding=0, deps=(acc0, acc1, f00, f01, f02, f11, f12)
                        )
                        mbarrier.arrive(empty.index(s), count=1)
                        it += 1
                co = p * N + chan_o
                bias = gl.load(b_ptr + co, mask=co < C_out, other=0.0)
                pad = gl.where(co < C_out, 0.0, float("inf"))
                lo0 = gl.minimum(lo0, gl.min((acc0 + bias[None, :]) * scale + pad[None, :], axis=1))
                lo1 = gl.minimum(lo1, gl.min((acc1 + bias[None, :]) * scale + pad[None, :], axis=1))
            ow = p0 + px_o
            out = out_ptr + t * W_out + ow
            gl.store(out, lo0, mask=ow < W_out)
            gl.store(out + 2, lo1, mask=ow + 2 < W_out)


@gluon.jit
def _conv_scale_min_direct_rs_kernel(
    x_desc,
    w_desc,
    b_ptr,
    out_ptr,
    C_out,
    H_out,
    W_out,
    TILES_W,
    num_rows,
    scale,
    BN: gl.constexpr,
    N: gl.constexpr,
    BK: gl.constexpr,
    C_PAD: gl.constexpr,
    STAGES: gl.constexpr,
    CONSUMER_REGS: gl.constexpr,
    PREFETCH: gl.constexpr,
    AHEAD: gl.constexpr = False,
    LOOKAHEAD: gl.constexpr = False,
):
    x_bufs = gl.allocate_shared_memory(gl.float32, [STAGES * X_BOXES] + x_desc.block_type.shape, x_desc.layout)
    w_bufs = gl.allocate_shared_memory(gl.float32, [3 * STAGES] + w_desc.block_type.shape, w_desc.layout)
    ready = gl.allocate_shared_memory(gl.int64, [STAGES, 1], mbarrier.MBarrierLayout())
    empty = gl.allocate_shared_memory(gl.int64, [STAGES, 1], mbarrier.MBarrierLayout())
    for i in gl.static_range(STAGES):
        mbarrier.init(ready.index(i), count=1)  # the loader's expect; TMA bytes complete the phase
        mbarrier.init(empty.index(i), count=2)  # one arrive per consumer warpgroup
    gl.warp_specialize(
        [
            (
                _consumer,  # warpgroup 0: pixels 0 .. 127 of each 256-pixel span
                (
                    x_bufs,
                    w_bufs,
                    ready,
                    empty,
                    b_ptr,
                    out_ptr,
                    C_out,
                    H_out,
                    W_out,
                    TILES_W,
                    num_rows,
                    scale,
                    0,
                    BN,
                    N,
                    BK,
                    C_PAD,
                    STAGES,
                    PREFETCH,
                    AHEAD,
                    LOOKAHEAD,
                ),
            ),
            (
                _consumer,  # warpgroup 1: pixels 128 .. 255
                (
                    x_bufs,
                    w_bufs,
                    ready,
                    empty,
                    b_ptr,
                    out_ptr,
                    C_out,
                    H_out,
                    W_out,
                    TILES_W,
                    num_rows,
                    scale,
                    1,
                    BN,
                    N,
                    BK,
                    C_PAD,
                    STAGES,
                    PREFETCH,
                    AHEAD,
                    LOOKAHEAD,
                ),
            ),
            (
                _loader,  # gluon_winograd_rs's, with the three taps of each (pass, kh, chunk): rows (kh * 3 + kw) * BN
                (
                    x_desc,
                    w_desc,
                    x_bufs,
                    w_bufs,
                    ready,
                    empty,
                    H_out,
                    TILES_W,
                    num_rows,
                    BN,
                    N,
                    BK,
                    C_PAD,
                    STAGES,
                    3,
                    1,
                    3,
                ),
            ),
        ],
        [4, 1],
        [CONSUMER_REGS, 40],
    )


@triton.jit
def _prepare_weights_kernel(w_ptr, out_ptr, C_in, C_out, BN, C_PAD, numel, BLOCK: tl.constexpr):
    # out[(kh * 3 + kw) * BN + co, 8 c8 + k] = TF32(w[co, 8 c8 + SIGMA[k], kh, kw]), zero where co or the channel
    # is padding; SIGMA[k] = 2 (k & 1) + 4 ((k >> 1) & 1) + (k >> 2).
    i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    row = i // C_PAD
    col = i % C_PAD
    tap = row // BN
    co = row % BN
    k = col % 8
    c = col - k + 2 * (k & 1) + 4 * ((k >> 1) & 1) + (k >> 2)
    real = (i < numel) & (co < C_out) & (c < C_in)
    g = tl.load(w_ptr + (co * C_in + c) * 9 + tap, mask=real, other=0.0)
    g = ((g.to(tl.int32, bitcast=True) + 0x1000) & -8192).to(tl.float32, bitcast=True)
    tl.store(out_ptr + i, g, mask=i < numel)


def sizes(C_in: int, C_out: int, W: int, BK: int = 8) -> tuple[int, int, int, int]:
    """(BN, N, C_pad, TILES_W): output channels padded to a power of two (16 at least) and taken N <= 128 per
    pass, input channels padded to whole K chunks, 256-pixel spans per output row."""
    BN = max(16, triton.next_power_of_2(C_out))
    return BN, min(BN, 128), triton.cdiv(C_in, BK) * BK, triton.cdiv(W - 2, 256)


def prepare_weights(weight: torch.Tensor, BN: int, C_pad: int) -> torch.Tensor:
    """The loader's weights: [9 * BN, C_pad], row (kh * 3 + kw) * BN + co, column k of each 8-channel chunk
    holding channel SIGMA[k] (gluon_winograd_rs's K order), rounded to nearest TF32, zero where padded."""
    C_out, C_in = weight.shape[:2]
    w = torch.empty(9 * BN, C_pad, device=weight.device, dtype=torch.float32)
    BLOCK = 1024
    _prepare_weights_kernel[(triton.cdiv(w.numel(), BLOCK),)](
        weight.contiguous(), w, C_in, C_out, BN, C_pad, w.numel(), BLOCK=BLOCK
    )
    return w


def conv_scale_min_direct_rs(
    x,
    weight,
    bias,
    scale,
    STAGES=10,
    CONSUMER_REGS=232,
    PREFETCH=False,
    AHEAD=True,
    LOOKAHEAD=True,
    num_ctas=None,
    keep=None,
):
    """One persistent launch, one CTA per SM over a contiguous range of output rows. `keep` receives the
    prepared weights."""
    assert weight.shape[2:] == (3, 3), "3x3 kernels"
    assert not (PREFETCH and AHEAD), "PREFETCH and AHEAD are two schedules of the same loop: one at most"
    x = x.contiguous()
    N_img, C_in, H, W = x.shape
    C_out = weight.shape[0]
    H_out, W_out = H - 2, W - 2
    BK = 8
    BN, N, C_pad, TILES_W = sizes(C_in, C_out, W, BK)
    w = prepare_weights(weight, BN, C_pad)
    if keep is not None:
        keep.update(w=w)
    w_desc = TensorDescriptor(
        w, list(w.shape), list(w.stride()), [N, BK], gl.NVMMASharedLayout.get_default_for([N, BK], gl.float32)
    )
    if W % 4:  # TMA: every stride but the last a multiple of 16 bytes; the zero pixels only reach masked outputs
        x = torch.nn.functional.pad(x, (0, 4 - W % 4))
    box = gl.NVMMASharedLayout(swizzle_byte_width=128, element_bitwidth=32, rank=4)
    x_desc = TensorDescriptor(x, list(x.shape), list(x.stride()), [1, BK, 1, 32], box)
    out = torch.empty((N_img, 1, H_out, W_out), device=x.device, dtype=x.dtype)
    num_rows = N_img * H_out
    if num_ctas is None:
        num_ctas = torch.cuda.get_device_properties(x.device).multi_processor_count
    _conv_scale_min_direct_rs_kernel[(min(num_ctas, num_rows),)](
        x_desc,
        w_desc,
        bias.contiguous(),
        out,
        C_out,
        H_out,
        W_out,
        TILES_W,
        num_rows,
        float(scale),
        BN=BN,
        N=N,
        BK=BK,
        C_PAD=C_pad,
        STAGES=STAGES,
        CONSUMER_REGS=CONSUMER_REGS,
        PREFETCH=PREFETCH,
        AHEAD=AHEAD,
        LOOKAHEAD=LOOKAHEAD,
        num_warps=4,
    )
    return out


REPLY = """(Written by a coding model acting as the LLM of the loop through the `replay` provider, not by an LLM
endpoint.)

The parent restages x to channels-last through a DRAM scratch because TF32 wgmma reads shared-memory operands
K-major and x is NCHW: 1.1 GB written and read back per call, at a GPU that is power-capped. This version has
no restage and no scratch. TF32 wgmma can take its A operand from registers, so the transpose happens in the
load:

- A 1-warp loader brings each NCHW x row once by TMA into shared memory (9 boxes of [8 channels, 32 pixels]
  per 256-pixel span: both warpgroups' pixels and the right halo), beside the three taps' weight tiles of
  each (kh, 8-channel chunk).
- Each consumer warpgroup reads 16-byte quads of its 128 pixels, plus the first two pixels of the quads one
  box on; a 4-lane rotation (shfl) turns those into quad s + 1, so each thread holds x at pixels
  4s .. 4s + 5 for two channels, everything its four output pixels need for all three taps. Against the
  parent's restage: no scratch; against two copies per warpgroup: 9 KB of x per stage instead of 16 KB.
- The stage loop has two schedules, the launcher's AHEAD picks one: each stage waits for its own products
  before the next loads, or (AHEAD) the next stage's six products are issued before this stage's are waited
  for, so the tensor pipe always holds this warpgroup's work while it releases a slot and loads. Then the
  fragments alternate between two register sets and a unit's stages are unrolled: a set is rewritten only
  after the wait that retired its products (one set in a loop would rewrite an in-flight wgmma's A
  registers; ptxas serialises the wgmmas of a rolled two-set loop). With LOOKAHEAD (the default), the next
  stage's x is loaded, rotated and rounded right after this stage's products are issued, before the wait
  that retires the previous stage's: the shared-memory and shuffle latency runs under the products instead of
  between them.
- The accumulator rows are ordered so that the A operand of every tap is a join of registers already loaded
  (no data movement); six m64n128k8 TF32 wgmmas per stage, two accumulators per warpgroup.
- Bias, scale and the min over all 128 channels in the epilogue, in each warpgroup.

```python
{code}
```
"""

# AHEAD without LOOKAHEAD (session 16's build, promoted for the H100 in session 17), the H200's promoted build
# (session 15)
SWEEP = (dict(LOOKAHEAD=False), dict(AHEAD=False, STAGES=8))


def emulate(x, weight, bias, scale):
    """What the kernel computes, in fp64: x and the weights rounded to nearest TF32, the conv, bias, scale, min."""

    from studies.conv2d_scale_min.gluon_winograd import _rnd

    y = torch.nn.functional.conv2d(
        _rnd(x.float().contiguous()).double(), _rnd(weight.float().contiguous()).double(), bias.double()
    )
    return (y * scale).amin(1, keepdim=True)


def check(sweep: bool = False, sizes: dict | None = None) -> None:
    """On a GPU: five shapes against fp64 and against emulate() (TF32-rounded operands in fp64: only the fp32
    accumulation order may differ), the full shape's time (CUDA events, gluon_winograd.TIMED), then "check: agrees"
    or where it disagrees; `sweep`: then the sizes in SWEEP at the full shape; `sizes`: launcher arguments in
    place of its defaults, everywhere (gluon_winograd.main's --set); last, gluon_winograd.WIDE_SHAPES (rows of more
    than one unit) on lines of their own, apart from the agreement."""
    import functools

    from studies.conv2d_scale_min.gluon_winograd import CHECK_SHAPES, TIMED, _median_ms, check_wide, sweep_launch

    launch = functools.partial(conv_scale_min_direct_rs, **(sizes or {}))
    torch.manual_seed(0)
    disagree = []
    for n, cin, cout, h, w in CHECK_SHAPES:
        conv = torch.nn.Conv2d(cin, cout, 3).cuda()
        x = torch.rand(n, cin, h, w, device="cuda")
        wt, b = conv.weight.detach(), conv.bias.detach()
        out = launch(x, wt, b, 2.0)
        torch.cuda.synchronize()
        ref = (torch.nn.functional.conv2d(x.double(), wt.double(), b.double()) * 2.0).amin(1, keepdim=True)
        emu = emulate(x, wt, b, 2.0)
        assert not out.isnan().any(), "NaN in the kernel's output"
        err = (out.double() - emu).abs()
        line = f"{n}x{cin}x{h}x{w}->{cout}: max |out - fp64| {(out.double() - ref).abs().max():.2e}"
        line += f", max |out - emulate| {err.max():.2e}"
        if not bool((err <= 1e-4 * (1 + emu.abs())).all()):
            bad = (err > 1e-4 * (1 + emu.abs())).nonzero()
            disagree.append(f"{n}x{cin}x{h}x{w}->{cout}")
            line += f"\n    {len(bad)} outputs off, first (n, 0, oh, ow) {tuple(bad[0].tolist())}"
            line += f", ow mod 4 of the bad ones {sorted(set((bad[:, 3] % 4).tolist()))}"
        if h == 256:
            del emu, ref
            ms = _median_ms(lambda: launch(x, wt, b, 2.0))
            line += f", {ms:.3f} ms ({TIMED})"
        print(line, flush=True)
    print(f"check: the kernel disagrees with emulate() on {', '.join(disagree)}" if disagree else "check: agrees")
    if sweep and not disagree:
        sweep_launch(launch, x, wt, b, out, SWEEP)
    check_wide(launch, lambda x, wt, b, keep: emulate(x, wt, b, 2.0), tol=1e-4)


def candidate_source() -> str:
    """A self-contained candidate: the Gluon helpers of gluon_winograd and gluon_winograd_rs, this module's
    kernels, then the host functions, then ModelNew (the output rules: kernels before wrappers)."""
    import inspect
    import sys

    from studies.conv2d_scale_min import gluon_winograd as gw
    from studies.conv2d_scale_min import gluon_winograd_rs as rs

    source = inspect.getsource(sys.modules[__name__])
    gws, rss = inspect.getsource(gw), inspect.getsource(rs)
    body = source[source.index("from __future__ import annotations") :]
    imports = body[body.index("import torch\n") : body.index("from studies.conv2d_scale_min.gluon_winograd import")]
    parts = [
        imports.replace("import torch\n", "import torch\nimport torch.nn as nn\n", 1).rstrip(),
        gws[gws.index("@gluon.jit\ndef _round_tf32_g(") : gws.index("@gluon.jit\ndef _restager(")].rstrip(),
        rss[rss.index("# The x rows in shared memory.") : rss.index("@gluon.jit\ndef _form_v(")].rstrip(),  # to _pixels
        rss[rss.index("@gluon.jit\ndef _windows(") : rss.index("@gluon.jit\ndef _f23_issue(")].rstrip(),
        rss[rss.index("@gluon.jit\ndef _loader(") : rss.index("@gluon.jit\ndef _stage_v(")].rstrip(),
        source[source.index("@gluon.jit\ndef _taps(") : source.index("\n\nREPLY = ")].rstrip(),
    ]
    return "\n\n\n".join(parts) + "\n" + gw.MODEL.format(launcher="conv_scale_min_direct_rs")


if __name__ == "__main__":
    from studies.conv2d_scale_min import gluon_winograd

    gluon_winograd.main(check, candidate_source, REPLY, launcher=conv_scale_min_direct_rs)
