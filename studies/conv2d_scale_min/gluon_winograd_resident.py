"""Winograd F(2,3) for #32 with U resident in shared memory: the weights cross L2 once per CTA, not once per stage.

    from studies.conv2d_scale_min.gluon_winograd_resident import conv_scale_min_f23_resident
    out = conv_scale_min_f23_resident(x, weight, bias, 2.0)   # CUDA, sm_90; 3x3 kernels, stride 1, no padding
    python -m studies.conv2d_scale_min.gluon_winograd_resident --check [--sweep]   # on a GPU: against emulate, timed
    python studies/conv2d_scale_min/traffic.py     # anywhere: why this layout (L2 and shared-memory bytes)

Why (GLUON_NOTES.md, "Session 14"; traffic.py): gluon_winograd_rs streams the four U_j tiles of every
(pass, kh, 8-channel chunk) stage beside x. Its four [64 tiles, 64 channels] accumulators per warpgroup
allow only 128 tiles per CTA, so each U tile serves 128 tiles and the U stream is almost half its L2
traffic (13.4 GB measured on an H200, 70.7 % of L2's throughput at 2.22 ms): by bytes alone it cannot go
below about 1.7 ms. Here each CTA takes one half of the output channels for all its rows, so the U of that
half (4 points x 3 kh x C_pad x 64 channels x 4 B = 192 KB at #32's sizes) fits in shared memory beside
three x stages and is loaded once; per stage only x crosses L2 (9 KB). The two halves' channel mins meet in
the output by atomic min (the output starts at +inf; min is exact and order-free, so the result does not
depend on which half lands first). L2 bytes: 7.2 GB (x, read once per half), against 13.6.

Math, per output row, pixel pair (2t, 2t+1), output channel co (gluon_winograd's emulate() is the reference):

    M_j[t, co] = sum over kh, c of V_j[kh][t, c] * U_j[kh][c, co]
    V0 = d0 - d2, V1 = d1 + d2, V2 = d2 - d1, V3 = d1 - d3        (d_i = x[c, oh + kh, 2t + i], TF32-rounded)
    y[2t] = M0 + M1 + M2,  y[2t+1] = M1 - M2 - M3                  (U3 stored negated: M3 enters with +)

What is gluon_winograd_rs's, unchanged: the x boxes (9 TMA boxes of [8 channels, 32 pixels] per stage, the
right halo included), the quad reads and the lane rotation (_windows, _next_quad), V formed in registers as
wgmma's A operand (_form_v), U's columns in SIGMA's order (fragment_order), the two consumer warpgroups on
the two 64-tile halves of a 128-tile span, four accumulators of [64 tiles, N = 64] each.
What is new:
- The loader brings this CTA's U (12 x CHUNKS tiles of [N, 8]) once, on a barrier of its own, then x only.
- A consumer gives an x stage back as soon as it has formed that stage's V: the wgmmas read V from registers
  and U from the resident tiles, never the x slot. With three slots (all that fits beside U) the loader so
  keeps two stages in flight while the consumers compute.
- CTA pid takes output channels [N * (pid % 2), + N) and rows among the CTAs of its half (an even grid).
- Three slots hide L2 latency but not DRAM's, so the loader prefetches the next unit's newest input row (the
  one its kh = 2 stages read first) into L2 a unit ahead (PREFETCH_L2, cp.async.bulk.prefetch.L2).

Status (session 15, one H200): correct (max |out - emulate| 2.4e-6 at full size), but 2.62 ms at best
(`--check`, PREFETCH and PREFETCH_L2 off, the launcher's defaults since) against gluon_winograd_rs's 2.39-2.63
and gluon_direct_rs's 1.69: with U off L2 the kernel is no faster, so U's bytes were not what held
gluon_winograd_rs back (traffic.py's floors hold as floors, not as the binding limit). Under ncu (the
session-14 default build) 2.76 ms, tensor pipe 30.8 %, L2 25 %: each stage forms V, then waits for its four
small wgmmas. The L2 prefetch cost 0.37-0.47 ms (both halves' CTAs prefetch the same rows, mostly in L2 already).
kernels/conv2d_scale_min/NOTES.md, "Session 15", has every build's time; benchmarks/device/stalls.sh asks ncu
where the consumers wait.

AHEAD (session 16; the launcher's default): gluon_direct_rs's schedule. Each stage's four wgmmas are issued before
the previous stage's are waited for (num_outstanding=4); a row's 24 stages are unrolled: 24 `DEPBAR.LE gsb0, 0x4`
per row, 0 A-register hazards. Session 17, one H100, `--check`: 2.128 ms against 2.889 without it, identical
output. Under ncu 1.934 ms, tensor pipe 43.7 %, issue slots 44.9 %, L2 23.7 %: nothing saturated. The stall
samples (stalls.sh, benchmarks/device/sass_stalls.py) put the consumers' time on their own chain: the quads'
loads and the shuffle (short scoreboard, 21 %), the TMA's ready barrier (12 %), the warpgroup barriers (10 %),
almost never the tensor pipe's wait.

LOOKAHEAD (session 17; the default with AHEAD): the next stage's pixels are loaded and rotated between a stage's
products and the wait that retires the previous stage's (_lookahead_unit). 2.137 against 2.287 ms in one process
on an H100; the stall profile barely moved: three x slots (all that fits beside 192 KB of U) keep the loader at
most two stages ahead, and the stage after the wait still starts on its loads. 252 bytes of spill, 0 hazards.
Still 20 % behind gluon_direct_rs (1.739 ms in the same session); kernels/conv2d_scale_min/NOTES.md, "Session 17".
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl  # noqa: F401  (the weight transform's kernel, carried in the candidate file)
from triton.experimental import gluon
from triton.experimental.gluon import language as gl

# warpgroup_mma: used by gluon_winograd_rs's _f23_issue, whose text the candidate file carries with these
from triton.experimental.gluon.language.nvidia.hopper import mbarrier, tma, warpgroup_mma, warpgroup_mma_wait  # noqa: F401
from triton.experimental.gluon.nvidia.hopper import TensorDescriptor

from studies.conv2d_scale_min.gluon_winograd import transform_weights

# QUAD_LAYOUT, QUAD_VIEW, _fragment, _next_quad and _pixels: used by these helpers, whose text the candidate
# file carries with them (candidate_source)
from studies.conv2d_scale_min.gluon_winograd_rs import (
    X_BOXES,
    _f23_channel_min,
    _f23_issue,
    _form_v,
    _pixels,
    _v_of_pixels,
    _windows,
    fragment_order,
)

SMEM_BYTES = 232448  # sm_90's largest dynamic shared memory per block (227 KB)
X_STAGE_BYTES = 9 * 8 * 32 * 4  # X_BOXES boxes of [8 channels, 32 pixels], fp32


@gluon.jit
def _half_rows(num_rows):
    # This CTA's output-channel half (pid parity) and its output rows [t0, t1) among the CTAs of that half
    # (the launcher's grid is even).
    pid = gl.program_id(0)
    per_half = gl.num_programs(0) // 2
    k = pid // 2
    return pid % 2, (k * num_rows) // per_half, ((k + 1) * num_rows) // per_half


@gluon.jit
def _prefetch_row_l2(x_ptr, n, row, C_in, H, W_ROW):
    # Input row `row` of image n, every channel, into L2 (cp.async.bulk.prefetch: no shared memory, nothing to
    # wait for), so that the TMA which needs it a unit later finds it in L2 instead of DRAM. 1 warp, 2 channels
    # a lane per 64; a row is W_ROW * 4 bytes, a multiple of 16 (the launcher pads W to a multiple of 4).
    layout: gl.constexpr = gl.BlockedLayout([2], [32], [1], [0])
    size = gl.full([64], W_ROW * 4, gl.int32, layout)
    for c0 in range(0, C_in, 64):
        c = gl.minimum(c0 + gl.arange(0, 64, layout=layout), C_in - 1)  # past C_in: the last channel again
        rows = ((n * C_in + c) * H + row).to(gl.int64)
        gl.inline_asm_elementwise(
            "cp.async.bulk.prefetch.L2.global [$1], $2; mov.u32 $0, 0;",
            "=r,l,r",
            [x_ptr + rows * W_ROW, size],
            dtype=gl.int32,
            is_pure=False,
            pack=1,
        )


@gluon.jit
def _resident_loader(
    x_desc,
    u_desc,
    x_bufs,
    u_bufs,
    u_ready,
    ready,
    empty,
    H_out,
    TILES_W,
    num_rows,
    x_ptr,
    C_in,
    H,
    W_ROW,
    BN: gl.constexpr,
    N: gl.constexpr,
    BK: gl.constexpr,
    C_PAD: gl.constexpr,
    STAGES: gl.constexpr,
    PREFETCH_L2: gl.constexpr,
):
    # 1 warp. First this half's U: tile i = (j * 3 + kh) * CHUNKS + c8 from U rows (j * 3 + kh) * BN + half * N
    # .. + N, columns c8 * BK .. + BK, into u_bufs i (all on u_ready). Then per unit (output row, 256-pixel
    # span), kh and 8-channel chunk, into slot s: the X_BOXES x boxes of the row, box X_BOXES s + b at pixel
    # 256 tw + 32 b (TMA fills what lies past the row's end with zeros; those pixels reach masked outputs only).
    # PREFETCH_L2: at each unit, the one input row the next unit reads first (its kh = 2 row) goes into L2:
    # three x slots cover about two stages of TMA latency, not a DRAM miss.
    half, t0, t1 = _half_rows(num_rows)
    CHUNKS: gl.constexpr = C_PAD // BK
    mbarrier.expect(u_ready, 12 * CHUNKS * u_desc.block_type.nbytes)
    for i in range(12 * CHUNKS):
        tma.async_copy_global_to_shared(
            u_desc, [(i // CHUNKS) * BN + half * N, (i % CHUNKS) * BK], u_ready, u_bufs.index(i)
        )
    it = 0
    for t in range(t0, t1):
        n = t // H_out
        oh = t % H_out
        if PREFETCH_L2 and t + 1 < t1:
            _prefetch_row_l2(x_ptr, (t + 1) // H_out, (t + 1) % H_out + 2, C_in, H, W_ROW)
        for tw in range(TILES_W):
            for step in range(3 * CHUNKS):
                s = it % STAGES
                mbarrier.wait(empty.index(s), ((it // STAGES) & 1) ^ 1)  # a fresh barrier: parity 1 passes
                mbarrier.expect(ready.index(s), X_BOXES * x_desc.block_type.nbytes)
                for b in gl.static_range(X_BOXES):
                    tma.async_copy_global_to_shared(
                        x_desc,
                        [n, (step % CHUNKS) * BK, oh + step // CHUNKS, 256 * tw + 32 * b],
                        ready.index(s),
                        x_bufs.index(X_BOXES * s + b),
                    )
                it += 1


@gluon.jit
def _resident_v(
    x_bufs, ready, empty, it, STAGES: gl.constexpr, WG: gl.constexpr, a_layout: gl.constexpr, EARLY: gl.constexpr
):
    # Stage it's V0..V3 of this warpgroup's tiles, once the loader's TMA has landed. EARLY: the slot goes back
    # to the loader right away. The warpgroup's arrive is a bar.sync of its 128 threads, then one elected
    # arrive (release): every warp's loads of the slot are performed before the loader can see it free.
    s = it % STAGES
    mbarrier.wait(ready.index(s), (it // STAGES) & 1)
    qa, qn = _windows(x_bufs, s, WG)
    v0, v1, v2, v3 = _form_v(qa, qn, a_layout)
    if EARLY:
        mbarrier.arrive(empty.index(s), count=1)
    return v0, v1, v2, v3


@gluon.jit
def _step_issue(v0, v1, v2, v3, u_bufs, step, KSTEPS: gl.constexpr, m0, m1, m2, m3, first):
    # _f23_issue with step `step`'s resident U tiles (point j's at j * KSTEPS + step).
    return _f23_issue(
        v0,
        v1,
        v2,
        v3,
        u_bufs.index(step),
        u_bufs.index(KSTEPS + step),
        u_bufs.index(2 * KSTEPS + step),
        u_bufs.index(3 * KSTEPS + step),
        m0,
        m1,
        m2,
        m3,
        first,
    )


@gluon.jit
def _ahead_stage(
    x_bufs,
    u_bufs,
    ready,
    empty,
    it,
    step: gl.constexpr,
    KSTEPS: gl.constexpr,
    m0,
    m1,
    m2,
    m3,
    p0,
    p1,
    p2,
    p3,
    STAGES: gl.constexpr,
    WG: gl.constexpr,
    a_layout: gl.constexpr,
    EARLY: gl.constexpr,
):
    # AHEAD: stage it (step `step` of its unit) forms its V and issues its four products while the previous
    # stage's four, whose A operands are p0..p3, still run; then it waits for those (num_outstanding=4: its
    # own four stay in flight). Returns the accumulators and this stage's V, the next call's p.
    v0, v1, v2, v3 = _resident_v(x_bufs, ready, empty, it, STAGES, WG, a_layout, EARLY)
    m0, m1, m2, m3 = _step_issue(v0, v1, v2, v3, u_bufs, step, KSTEPS, m0, m1, m2, m3, True)
    m0, m1, m2, m3, p0, p1, p2, p3 = warpgroup_mma_wait(num_outstanding=4, deps=(m0, m1, m2, m3, p0, p1, p2, p3))
    if not EARLY:  # the previous stage's products retired: its slot goes back
        mbarrier.arrive(empty.index((it - 1) % STAGES), count=1)
    return m0, m1, m2, m3, v0, v1, v2, v3


@gluon.jit
def _stage_pixels(x_bufs, ready, it, STAGES: gl.constexpr, WG: gl.constexpr):
    # LOOKAHEAD: stage it's pixels 4s + 0 .. 4s + 5 of this warpgroup's quads (_pixels: the loads and the
    # 4-lane rotation), once the loader's TMA has landed; the V arithmetic waits for the stage that uses them.
    s = it % STAGES
    mbarrier.wait(ready.index(s), (it // STAGES) & 1)
    qa, qn = _windows(x_bufs, s, WG)
    return _pixels(qa, qn)


@gluon.jit
def _lookahead_stage(
    x_bufs,
    u_bufs,
    ready,
    empty,
    it,
    step: gl.constexpr,
    KSTEPS: gl.constexpr,
    m0,
    m1,
    m2,
    m3,
    p0,
    p1,
    p2,
    p3,
    a0,
    a1,
    a2,
    a3,
    b0,
    b1,
    STAGES: gl.constexpr,
    WG: gl.constexpr,
    a_layout: gl.constexpr,
    EARLY: gl.constexpr,
):
    # AHEAD with LOOKAHEAD: stage it (step `step` of its unit) forms its V from pixels loaded a stage earlier
    # (ALU work only: no shared-memory or shuffle latency before the products), issues its four products, then
    # loads and rotates the next stage's pixels while the previous stage's products and its own run, then waits
    # for the previous stage's (num_outstanding=4). EARLY: the next stage's slot goes back once its pixels are
    # in registers. Returns the accumulators, this stage's V (the next call's p) and the next stage's pixels.
    v0, v1, v2, v3 = _v_of_pixels(a0, a1, a2, a3, b0, b1, a_layout)
    m0, m1, m2, m3 = _step_issue(v0, v1, v2, v3, u_bufs, step, KSTEPS, m0, m1, m2, m3, step > 0)
    if step + 1 < KSTEPS:
        a0, a1, a2, a3, b0, b1 = _stage_pixels(x_bufs, ready, it + 1, STAGES, WG)
    m0, m1, m2, m3, p0, p1, p2, p3 = warpgroup_mma_wait(num_outstanding=4, deps=(m0, m1, m2, m3, p0, p1, p2, p3))
    if step + 1 < KSTEPS:
        if EARLY:  # the next stage's pixels are in registers: its slot goes back
            mbarrier.arrive(empty.index((it + 1) % STAGES), count=1)
    if not EARLY and step > 0:  # the previous stage's products retired: its slot goes back
        mbarrier.arrive(empty.index((it - 1) % STAGES), count=1)
    return m0, m1, m2, m3, v0, v1, v2, v3, a0, a1, a2, a3, b0, b1


@gluon.jit
def _lookahead_unit(
    x_bufs,
    u_bufs,
    ready,
    empty,
    it,
    KSTEPS: gl.constexpr,
    m0,
    m1,
    m2,
    m3,
    STAGES: gl.constexpr,
    WG: gl.constexpr,
    a_layout: gl.constexpr,
    EARLY_RELEASE: gl.constexpr,
):
    # One unit's KSTEPS stages with AHEAD, each stage's pixels loaded and rotated a stage early
    # (_lookahead_stage): the first stage here, then pairs alternating two V sets (c, d), then the unit's last
    # wait. Returns the accumulators and the next unit's first stage. Measured (session 17, an H100, --check):
    # 2.137 ms against 2.287 without LOOKAHEAD; its consumers still wait on the loads and on the TMA (ready),
    # not on the tensor pipe (benchmarks/device/sass_stalls.py on stalls.sh's source page).
    q0, q1, q2, q3, r0, r1 = _stage_pixels(x_bufs, ready, it, STAGES, WG)
    if EARLY_RELEASE:
        mbarrier.arrive(empty.index(it % STAGES), count=1)
    c0, c1, c2, c3 = _v_of_pixels(q0, q1, q2, q3, r0, r1, a_layout)
    m0, m1, m2, m3 = _step_issue(c0, c1, c2, c3, u_bufs, 0, KSTEPS, m0, m1, m2, m3, False)
    q0, q1, q2, q3, r0, r1 = _stage_pixels(x_bufs, ready, it + 1, STAGES, WG)
    m0, m1, m2, m3 = warpgroup_mma_wait(num_outstanding=4, deps=(m0, m1, m2, m3))
    if EARLY_RELEASE:
        mbarrier.arrive(empty.index((it + 1) % STAGES), count=1)
    it += 1
    for k in gl.static_range((KSTEPS - 1) // 2):  # steps 2k + 1 (V in d) and 2k + 2 (V in c)
        m0, m1, m2, m3, d0, d1, d2, d3, q0, q1, q2, q3, r0, r1 = _lookahead_stage(
            x_bufs, u_bufs, ready, empty, it, 2 * k + 1, KSTEPS, m0, m1, m2, m3, c0, c1, c2, c3,
            q0, q1, q2, q3, r0, r1, STAGES, WG, a_layout, EARLY_RELEASE,
        )  # fmt: skip
        it += 1
        m0, m1, m2, m3, c0, c1, c2, c3, q0, q1, q2, q3, r0, r1 = _lookahead_stage(
            x_bufs, u_bufs, ready, empty, it, 2 * k + 2, KSTEPS, m0, m1, m2, m3, d0, d1, d2, d3,
            q0, q1, q2, q3, r0, r1, STAGES, WG, a_layout, EARLY_RELEASE,
        )  # fmt: skip
        it += 1
    if (KSTEPS - 1) % 2 == 1:  # one step left, its V in d
        m0, m1, m2, m3, d0, d1, d2, d3, q0, q1, q2, q3, r0, r1 = _lookahead_stage(
            x_bufs, u_bufs, ready, empty, it, KSTEPS - 1, KSTEPS, m0, m1, m2, m3, c0, c1, c2, c3,
            q0, q1, q2, q3, r0, r1, STAGES, WG, a_layout, EARLY_RELEASE,
        )  # fmt: skip
        it += 1
        m0, m1, m2, m3, d0, d1, d2, d3 = warpgroup_mma_wait(num_outstanding=0, deps=(m0, m1, m2, m3, d0, d1, d2, d3))
    else:
        m0, m1, m2, m3, c0, c1, c2, c3 = warpgroup_mma_wait(num_outstanding=0, deps=(m0, m1, m2, m3, c0, c1, c2, c3))
    if not EARLY_RELEASE:
        mbarrier.arrive(empty.index((it - 1) % STAGES), count=1)
    return m0, m1, m2, m3, it


@gluon.jit
def _resident_consumer(
    x_bufs,
    u_bufs,
    u_ready,
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
    N: gl.constexpr,
    BK: gl.constexpr,
    C_PAD: gl.constexpr,
    STAGES: gl.constexpr,
    PREFETCH: gl.constexpr,
    EARLY_RELEASE: gl.constexpr,
    AHEAD: gl.constexpr,
    LOOKAHEAD: gl.constexpr,
):
    # One warpgroup: tiles [tt0, tt0 + 64) of each unit, tt0 = 128 * tw + 64 * WG, this CTA's N output
    # channels; per unit the output transform, bias, scale, the min over those channels, and an atomic min
    # into the output (the other half's CTA brings the other channels' min).
    acc_layout: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, N, 8])
    a_layout: gl.constexpr = gl.DotOperandLayout(operand_index=0, parent=acc_layout, k_width=1)
    r = gl.arange(0, 64, layout=gl.SliceLayout(1, acc_layout))
    tile_o = 2 * (8 * (r // 16) + r % 8) + (r // 8) % 2  # the tile of accumulator row r (_fragment's order)
    half, t0, t1 = _half_rows(num_rows)
    co = half * N + gl.arange(0, N, layout=gl.SliceLayout(0, acc_layout))
    KSTEPS: gl.constexpr = 3 * (C_PAD // BK)  # (kh, chunk) steps per unit; U tile of point j: j * KSTEPS + step
    m0 = gl.zeros([64, N], gl.float32, acc_layout)
    m1 = gl.zeros([64, N], gl.float32, acc_layout)
    m2 = gl.zeros([64, N], gl.float32, acc_layout)
    m3 = gl.zeros([64, N], gl.float32, acc_layout)
    total = (t1 - t0) * TILES_W * KSTEPS  # the stages this CTA consumes, in the loader's order
    mbarrier.wait(u_ready, 0)
    if PREFETCH:  # the launcher's grid never exceeds the rows: every CTA has a first stage
        v0, v1, v2, v3 = _resident_v(x_bufs, ready, empty, 0, STAGES, WG, a_layout, EARLY_RELEASE)
    it = 0
    for t in range(t0, t1):
        for tw in range(TILES_W):
            tt0 = tw * 128 + WG * 64
            if AHEAD and LOOKAHEAD:
                m0, m1, m2, m3, it = _lookahead_unit(
                    x_bufs, u_bufs, ready, empty, it, KSTEPS, m0, m1, m2, m3, STAGES, WG, a_layout, EARLY_RELEASE
                )
            elif AHEAD:
                # Two stages' products in flight (gluon_direct_rs's AHEAD): each stage's four are issued before
                # the previous stage's are waited for, so this warpgroup's next products are queued on the tensor
                # pipe while it forms V. The unit's stages are unrolled (static_range): a rolled loop would
                # rewrite in-flight A registers or have ptxas serialise the wgmmas.
                a0, a1, a2, a3 = _resident_v(x_bufs, ready, empty, it, STAGES, WG, a_layout, EARLY_RELEASE)
                m0, m1, m2, m3 = _step_issue(a0, a1, a2, a3, u_bufs, 0, KSTEPS, m0, m1, m2, m3, False)
                # Waits for nothing (all four may stay outstanding): the accumulators' type as the loop carries it
                m0, m1, m2, m3 = warpgroup_mma_wait(num_outstanding=4, deps=(m0, m1, m2, m3))
                it += 1
                for k in gl.static_range((KSTEPS - 1) // 2):  # steps 2k + 1 (V in b) and 2k + 2 (V in a)
                    m0, m1, m2, m3, b0, b1, b2, b3 = _ahead_stage(
                        x_bufs, u_bufs, ready, empty, it, 2 * k + 1, KSTEPS, m0, m1, m2, m3, a0, a1, a2, a3,
                        STAGES, WG, a_layout, EARLY_RELEASE,
                    )  # fmt: skip
                    it += 1
                    m0, m1, m2, m3, a0, a1, a2, a3 = _ahead_stage(
                        x_bufs, u_bufs, ready, empty, it, 2 * k + 2, KSTEPS, m0, m1, m2, m3, b0, b1, b2, b3,
                        STAGES, WG, a_layout, EARLY_RELEASE,
                    )  # fmt: skip
                    it += 1
                if (KSTEPS - 1) % 2 == 1:  # one step left, its V in b
                    m0, m1, m2, m3, b0, b1, b2, b3 = _ahead_stage(
                        x_bufs, u_bufs, ready, empty, it, KSTEPS - 1, KSTEPS, m0, m1, m2, m3, a0, a1, a2, a3,
                        STAGES, WG, a_layout, EARLY_RELEASE,
                    )  # fmt: skip
                    it += 1
                    m0, m1, m2, m3, b0, b1, b2, b3 = warpgroup_mma_wait(
                        num_outstanding=0, deps=(m0, m1, m2, m3, b0, b1, b2, b3)
                    )
                else:
                    m0, m1, m2, m3, a0, a1, a2, a3 = warpgroup_mma_wait(
                        num_outstanding=0, deps=(m0, m1, m2, m3, a0, a1, a2, a3)
                    )
                if not EARLY_RELEASE:
                    mbarrier.arrive(empty.index((it - 1) % STAGES), count=1)
            else:
                for step in range(KSTEPS):
                    if not PREFETCH:
                        v0, v1, v2, v3 = _resident_v(x_bufs, ready, empty, it, STAGES, WG, a_layout, EARLY_RELEASE)
                    first = step > 0
                    m0, m1, m2, m3 = _step_issue(v0, v1, v2, v3, u_bufs, step, KSTEPS, m0, m1, m2, m3, first)
                    u0, u1, u2, u3 = v0, v1, v2, v3  # this stage's A operands, in flight until the wait
                    if PREFETCH and it + 1 < total:
                        # The next stage's V forms while these products run, into registers other than theirs:
                        # u0..u3 stay live (deps below) until the wait in this same iteration, so no loop back
                        # edge lets them move (sass_hazards.py checks the SASS).
                        v0, v1, v2, v3 = _resident_v(x_bufs, ready, empty, it + 1, STAGES, WG, a_layout, EARLY_RELEASE)
                    m0, m1, m2, m3, u0, u1, u2, u3 = warpgroup_mma_wait(
                        num_outstanding=0, deps=(m0, m1, m2, m3, u0, u1, u2, u3)
                    )
                    if not EARLY_RELEASE:  # as gluon_winograd_rs: the slot goes back once its products retired
                        mbarrier.arrive(empty.index(it % STAGES), count=1)
                    it += 1
            # The min over this half's channels, into the output's running min.
            # bias and pad per unit, not held across the stages: AHEAD's two V sets need those registers
            bias = gl.load(b_ptr + co, mask=co < C_out, other=0.0)
            pad = gl.where(co < C_out, 0.0, float("inf"))  # channels past C_out never win the min
            lo0, lo1 = _f23_channel_min(m0, m1, m2, m3, bias, pad, scale)
            ow = 2 * (tt0 + tile_o)
            out = out_ptr + t * W_out + ow
            gl.atomic_min(out, lo0, mask=ow < W_out, sem="relaxed")
            gl.atomic_min(out + 1, lo1, mask=ow + 1 < W_out, sem="relaxed")


@gluon.jit
def _conv_scale_min_f23_resident_kernel(
    x_desc,
    u_desc,
    b_ptr,
    out_ptr,
    C_out,
    H_out,
    W_out,
    TILES_W,
    num_rows,
    scale,
    x_ptr,
    C_in,
    H,
    W_ROW,
    BN: gl.constexpr,
    N: gl.constexpr,
    BK: gl.constexpr,
    C_PAD: gl.constexpr,
    STAGES: gl.constexpr,
    CONSUMER_REGS: gl.constexpr,
    PREFETCH: gl.constexpr,
    EARLY_RELEASE: gl.constexpr,
    PREFETCH_L2: gl.constexpr,
    AHEAD: gl.constexpr,
    LOOKAHEAD: gl.constexpr,
):
    x_bufs = gl.allocate_shared_memory(gl.float32, [STAGES * X_BOXES] + x_desc.block_type.shape, x_desc.layout)
    u_bufs = gl.allocate_shared_memory(gl.float32, [12 * (C_PAD // BK)] + u_desc.block_type.shape, u_desc.layout)
    u_ready = gl.allocate_shared_memory(gl.int64, [1], mbarrier.MBarrierLayout())
    ready = gl.allocate_shared_memory(gl.int64, [STAGES, 1], mbarrier.MBarrierLayout())
    empty = gl.allocate_shared_memory(gl.int64, [STAGES, 1], mbarrier.MBarrierLayout())
    mbarrier.init(u_ready, count=1)  # the loader's expect; TMA bytes complete the phase
    for i in gl.static_range(STAGES):
        mbarrier.init(ready.index(i), count=1)
        mbarrier.init(empty.index(i), count=2)  # one arrive per consumer warpgroup
    gl.warp_specialize(
        [
            (
                _resident_consumer,  # warpgroup 0: tiles 64 * 0 .. of each 128-tile span
                (
                    x_bufs,
                    u_bufs,
                    u_ready,
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
                    N,
                    BK,
                    C_PAD,
                    STAGES,
                    PREFETCH,
                    EARLY_RELEASE,
                    AHEAD,
                    LOOKAHEAD,
                ),
            ),
            (
                _resident_consumer,  # warpgroup 1: tiles 64 * 1 .. of each 128-tile span
                (
                    x_bufs,
                    u_bufs,
                    u_ready,
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
                    N,
                    BK,
                    C_PAD,
                    STAGES,
                    PREFETCH,
                    EARLY_RELEASE,
                    AHEAD,
                    LOOKAHEAD,
                ),
            ),
            (
                _resident_loader,
                (
                    x_desc,
                    u_desc,
                    x_bufs,
                    u_bufs,
                    u_ready,
                    ready,
                    empty,
                    H_out,
                    TILES_W,
                    num_rows,
                    x_ptr,
                    C_in,
                    H,
                    W_ROW,
                    BN,
                    N,
                    BK,
                    C_PAD,
                    STAGES,
                    PREFETCH_L2,
                ),
            ),
        ],
        [4, 1],
        [CONSUMER_REGS, 40],
    )


def resident_sizes(C_in: int, C_out: int, W: int, BK: int = 8) -> tuple[int, int, int, int, int, int]:
    """(BN, N, C_pad, T, TILES_W, slots): output channels padded to a power of two (16 at least) and halved per
    CTA, input channels padded to whole K chunks, pixel pairs per output row, 128-tile spans per row, and the
    x slots that fit beside the resident U (at most 8). ValueError where U leaves room for fewer than two."""
    BN = max(16, triton.next_power_of_2(C_out))
    N = BN // 2
    C_pad = triton.cdiv(C_in, BK) * BK
    T = triton.cdiv(W - 2, 2)
    u_bytes = 12 * C_pad * N * 4
    slots = min(8, (SMEM_BYTES - u_bytes - 1024) // X_STAGE_BYTES)  # 1 KB: barriers and alignment
    if slots < 2:
        raise ValueError(
            f"U for {C_in} input and {N} output channels per CTA takes {u_bytes // 1024} KB of shared memory: "
            "too much to keep resident beside two x stages"
        )
    return BN, N, C_pad, T, triton.cdiv(T, 128), slots


def conv_scale_min_f23_resident(
    x,
    weight,
    bias,
    scale,
    STAGES=None,
    CONSUMER_REGS=232,
    PREFETCH=False,
    EARLY_RELEASE=True,
    PREFETCH_L2=False,
    AHEAD=True,
    LOOKAHEAD=True,
    num_ctas=None,
    keep=None,
):
    """Transform the weights (gluon_winograd.transform_weights: U as [12 * BN, C_pad], U3 negated; its columns
    then put in SIGMA's order), fill the output with +inf, then one persistent launch of an even number of
    CTAs, each on one half of the output channels over a contiguous range of output rows. STAGES: x slots
    (default: as many as fit beside U, at most 8). EARLY_RELEASE: a consumer gives an x slot back once it has
    formed the slot's V (else once the slot's products retired). PREFETCH_L2: the loader brings each unit's
    newest input row into L2 a unit ahead. AHEAD: each stage's products are issued before the previous stage's
    are waited for (two stages in flight). `keep` receives U (in channel order)."""
    assert not (PREFETCH and AHEAD), "PREFETCH and AHEAD are two schedules of the same loop: one at most"
    assert weight.shape[2:] == (3, 3), "F(2,3) here is for 3x3 kernels"
    x = x.contiguous()
    N_img, C_in, H, W = x.shape
    C_out = weight.shape[0]
    H_out, W_out = H - 2, W - 2
    BK = 8
    BN, N, C_pad, T, TILES_W, slots = resident_sizes(C_in, C_out, W, BK)
    u = transform_weights(weight, BN, C_pad)
    if keep is not None:
        keep.update(u=u)
    u = fragment_order(u)
    u_desc = TensorDescriptor(
        u, list(u.shape), list(u.stride()), [N, BK], gl.NVMMASharedLayout.get_default_for([N, BK], gl.float32)
    )
    if W % 4:  # TMA: every stride but the last a multiple of 16 bytes; the zero pixels only reach masked outputs
        x = torch.nn.functional.pad(x, (0, 4 - W % 4))
    box = gl.NVMMASharedLayout(swizzle_byte_width=128, element_bitwidth=32, rank=4)
    x_desc = TensorDescriptor(x, list(x.shape), list(x.stride()), [1, BK, 1, 32], box)
    out = torch.full((N_img, 1, H_out, W_out), float("inf"), device=x.device, dtype=x.dtype)
    num_rows = N_img * H_out
    if num_ctas is None:
        num_ctas = torch.cuda.get_device_properties(x.device).multi_processor_count
    _conv_scale_min_f23_resident_kernel[(2 * max(1, min(num_ctas // 2, num_rows)),)](
        x_desc,
        u_desc,
        bias.contiguous(),
        out,
        C_out,
        H_out,
        W_out,
        TILES_W,
        num_rows,
        float(scale),
        x,  # the L2 prefetch's rows (W padded to a multiple of 4: 16-byte sizes)
        C_in,
        H,
        x.shape[3],
        BN=BN,
        N=N,
        BK=BK,
        C_PAD=C_pad,
        STAGES=min(STAGES or slots, slots),
        CONSUMER_REGS=CONSUMER_REGS,
        PREFETCH=PREFETCH,
        EARLY_RELEASE=EARLY_RELEASE,
        PREFETCH_L2=PREFETCH_L2,
        AHEAD=AHEAD,
        LOOKAHEAD=LOOKAHEAD,
        num_warps=4,
    )
    return out


REPLY = """(Written by a coding model acting as the LLM of the loop through the `replay` provider, not by an LLM
endpoint.)

The parent is a direct TF32 conv with the tensor pipe about 85 % busy: below it, only fewer multiplications
help, and Winograd F(2,3) along the width needs 1.5x fewer (4 products per pixel pair and tap row instead of 6).
An F(2,3) kernel that streams its transformed weights U from L2 with every stage moves 13.6 GB through L2 on
this problem (its four accumulators hold only 128 pixel pairs per CTA, so each U tile serves few outputs),
which bounds it near 1.7 ms. This one keeps U resident in shared memory instead:

- Each CTA takes one half of the output channels (64) for a contiguous range of output rows; that half's U
  (4 points x 3 kernel rows x 64 input x 64 output channels, 192 KB) is loaded by TMA once, beside three
  x slots. Per stage only the NCHW x row crosses L2 (9 boxes of [8 channels, 32 pixels], the halo included).
- Each consumer warpgroup reads its 16-byte quads, gets the odd pixel pairs' right neighbours by a 4-lane
  rotation (shfl), forms V0 = d0 - d2, V1 = d1 + d2, V2 = d2 - d1, V3 = d1 - d3 in registers, rounded to
  nearest TF32, as wgmma's A operand, and gives the x slot back at once (the wgmmas read V from registers
  and U from the resident tiles). With AHEAD (the launcher's default), each stage's four wgmmas are
  issued before the previous stage's are waited for, so the tensor pipe holds this warpgroup's products
  while it forms the next V; a row's stages are unrolled, so that no register an in-flight wgmma reads is
  rewritten and ptxas keeps the wgmmas asynchronous. Three x slots cover L2 latency, not DRAM's; the
  loader can prefetch the next output row's newest input row into L2 a row ahead (PREFETCH_L2, off: it
  cost time on an H200).
- Four accumulators M0..M3 of [64 pixel pairs, 64 channels] per warpgroup; then y[2t] = M0 + M1 + M2,
  y[2t+1] = M1 - M2 - M3, bias, scale, the min over the half's channels, and an atomic min into the output
  (filled with +inf first): min is exact and order-free, so the two halves meet without a second pass.

```python
{code}
```
"""

SWEEP = (  # LOOKAHEAD=False: session 16's AHEAD build (2.128 ms on an H100, session 17); AHEAD=False: session 15's
    dict(LOOKAHEAD=False),  # fastest build on an H200 (2.621 ms; PREFETCH and PREFETCH_L2 off)
    dict(AHEAD=False),
    dict(EARLY_RELEASE=False),
)


def check(sweep: bool = False, sizes: dict | None = None) -> None:
    """gluon_winograd.check with this launcher and its 8-channel U: five shapes against emulate() and fp64, the
    full shape's time, then "check: agrees" or where it disagrees; `sweep`: then the sizes in SWEEP; `sizes`:
    launcher arguments in place of its defaults."""
    from studies.conv2d_scale_min import gluon_winograd as gw

    gw.check(sweep, launch=conv_scale_min_f23_resident, sweep_sizes=SWEEP, BK=8, sizes=sizes)


def candidate_source() -> str:
    """A self-contained candidate: gluon_winograd's weight transform and Gluon helpers, gluon_winograd_rs's x
    reads and V formation, this module's kernels, then the host functions, then ModelNew (the output rules:
    kernels before wrappers)."""
    import inspect
    import sys

    from studies.conv2d_scale_min import gluon_winograd as gw
    from studies.conv2d_scale_min import gluon_winograd_rs as rs

    source = inspect.getsource(sys.modules[__name__])
    gws, rss = inspect.getsource(gw), inspect.getsource(rs)
    body = source[source.index("from __future__ import annotations") :]
    imports = body[body.index("import torch\n") : body.index("from studies.conv2d_scale_min.gluon_winograd import")]
    parts = [
        imports.replace("import torch\n", "import torch\nimport torch.nn as nn\n", 1)
        .replace("  # noqa: F401  (the weight transform's kernel, carried in the candidate file)", "")
        .rstrip(),
        # _round_tf32, _weight_transform_kernel, _round_tf32_g, _row_range
        gws[gws.index("@triton.jit\ndef _round_tf32") : gws.index("@gluon.jit\ndef _restager(")].rstrip(),
        # X_BOXES, SIGMA, QUAD_LAYOUT, QUAD_VIEW, _fragment, _next_quad, _pixels, _form_v, _windows, _f23_issue,
        # _f23_channel_min
        rss[rss.index("# The x rows in shared memory.") : rss.index("@gluon.jit\ndef _loader(")].rstrip(),
        source[source.index("SMEM_BYTES = ") : source.index("\n\n\ndef resident_sizes(")].rstrip(),
        gws[gws.index("def transform_weights(") : gws.index("def sizes(")].rstrip(),
        rss[rss.index("def fragment_order(") : rss.index("def conv_scale_min_f23_rs(")].rstrip(),
        source[source.index("def resident_sizes(") : source.index("\n\nREPLY = ")].rstrip(),
    ]
    return "\n\n\n".join(parts) + "\n" + gw.MODEL.format(launcher="conv_scale_min_f23_resident")


if __name__ == "__main__":
    from studies.conv2d_scale_min import gluon_winograd

    gluon_winograd.main(check, candidate_source, REPLY, launcher=conv_scale_min_f23_resident)
