"""Winograd F(2,3) for #32 with V formed in the consumers' registers: no V scratch, no restage, no restager.

    from studies.conv2d_scale_min.gluon_winograd_rs import conv_scale_min_f23_rs
    out = conv_scale_min_f23_rs(x, weight, bias, 2.0)      # CUDA, sm_90; 3x3 kernels, stride 1, no padding
    python -m studies.conv2d_scale_min.gluon_winograd_rs --check [--sweep]   # on a GPU: against emulate, timed

Why (GLUON_NOTES.md, "First GPU run of the F(2,3) kernel"): gluon_winograd.py is correct but its V scratch
costs at least 5.3 GB of DRAM traffic and its restager is latency-bound (4.3-4.9 ms on an H100). Here each
consumer warpgroup forms V_j = B^T d in registers, laid out as wgmma's A operand (TF32 wgmma takes A from
registers: rs_tf32_probe.py), and multiplies by U_j from shared memory (TMA).

The math is gluon_winograd's (its emulate() is this kernel's reference too), per output row, pixel pair
(2t, 2t+1) and output channel co:

    M_j[t, co] = sum over kh, c of V_j[kh][t, c] * U_j[kh][c, co]
    V0 = d0 - d2, V1 = d1 + d2, V2 = d2 - d1, V3 = d1 - d3        (d_i = x[c, oh + kh, 2t + i], TF32-rounded)
    y[2t] = M0 + M1 + M2,  y[2t+1] = M1 - M2 - M3                  (U3 stored negated: M3 enters with +)

Work split, chosen by registers: four [64 tiles, N] accumulators must live at once (every K-step feeds all
four), so N = 64 output channels per pass (4 x 32 registers); a warpgroup makes NPASS = 128 / 64 passes over
its 64 tiles and keeps the running channel min in registers between them. Two consumer warpgroups take
the two 64-tile halves of an output row (127 pixel pairs at full size).

Where d comes from (second version, session 12). The first loaded d0..d3 from global memory: four stride-2
scalar loads per element. On one H200 it was correct but took 3.6-3.9 ms, and ncu showed it waiting on those
loads (tensor pipe 22.7 %, issue slots 35.6 %, 3.25 long-scoreboard stalls per issue, 9.7 sectors per
request). Now a 1-warp loader brings each (pass, kh, 8-channel chunk) stage by TMA: the four U_j tiles
[N, 8] and the input row once, 9 boxes of [8 channels, 32 pixels] with the 128-byte swizzle (the two
warpgroups' pixels and the right halo; TMA starts must be 16-byte aligned, F(2,3)'s odd tiles start 8 bytes
into a quad). A consumer reads quad s of its window (pixels 4s..4s+3) with one 16-byte load per channel
through QUAD_VIEW and quad s + 1's first two pixels (b) from the window a box on plus a lane rotation
(_next_quad); even tile 2s takes d = (a0, a1, a2, a3), odd tile 2s + 1 takes (a2, a3, b0, b1). The
fragment rows are ordered so that each thread's two rows are the two tiles of one quad, which makes the V
the A operand with no data movement (_fragment's assert_trivial), and the K order SIGMA puts one 16-byte
load's 8 lanes in 8 different chunks (U's columns follow: fragment_order).
rs_smem_probe.py shows the trick alone; tests/test_winograd.py mirrors it in PyTorch.

Status: the first version ran on one H200 (session 12, above). The second, with two copies of x per
warpgroup, was correct on one H100 (session 13) and took 3.5-3.8 ms, L2-bound (92 % busy, 21 GB): its two
64-channel passes read x twice and the U tiles stream per pass. This third version reads x once per pass
(17 KB per stage, was 24; 168 registers, no spill, 140 KB of shared memory at 8 stages): correct on one H200,
2.39-2.63 ms, 2.22 ms under ncu with the tensor pipe at 38 % and the issue slots at 48.7 % (GLUON_NOTES.md,
"Session 13": four accumulators force two passes and a wait per stage; the direct kernel is faster).
PREFETCH (default since, not yet run): the next stage's V forms while this stage's wgmmas run, as in
gluon_direct_rs (sass_hazards.py: 0 hazards).
"""

from __future__ import annotations

import torch
import triton
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.hopper import mbarrier, tma, warpgroup_mma, warpgroup_mma_wait
from triton.experimental.gluon.nvidia.hopper import TensorDescriptor

from studies.conv2d_scale_min.gluon_winograd import _round_tf32_g, _row_range, transform_weights

# The x rows in shared memory. Per (pass, kh, 8-channel chunk) step the loader brings X_BOXES TMA boxes of
# [1 image, 8 channels, 1 row, 32 pixels], box b at pixel 256 tw + 32 b (128-byte rows, 128-byte swizzle: a
# row's 16-byte chunk index XORs with the channel mod 8): warpgroup w's 128 pixels are boxes 4w .. 4w + 3 and
# box 4w + 4 is its right halo (the next warpgroup's first box, or one past the span). A consumer reads two
# 4-box windows as [32 quads s, 8 K, 4 pixels e]: its own (pixels 4s + e) and the one a box on (4s + 32 + e),
# from which _next_quad makes quad s + 1 by a lane rotation. One copy of every pixel: 9 KB of x per step for
# both warpgroups, where session 12's two copies per warpgroup (at +0 and +4 pixels) took 16 KB.
# SIGMA[k] is the channel at wgmma's K index k (U's columns are stored in that order), chosen so that the 8
# lanes of one 16-byte load hit 8 different chunks (no bank conflict).
X_BOXES = gl.constexpr(9)
SIGMA = (0, 2, 4, 6, 1, 3, 5, 7)

# [s, k, e] in registers: e (one 16-byte load) and k bit 2 per thread; k bits 0-1 and s bits 0-2 across
# lanes, s bits 3-4 across warps: wgmma's A fragment with its rows by quad (_fragment).
QUAD_LAYOUT = gl.constexpr(
    gl.DistributedLinearLayout(
        reg_bases=[[0, 0, 1], [0, 0, 2], [0, 4, 0]],
        lane_bases=[[0, 1, 0], [0, 2, 0], [1, 0, 0], [2, 0, 0], [4, 0, 0]],
        warp_bases=[[8, 0, 0], [16, 0, 0]],
        block_bases=[],
        shape=[32, 8, 4],
    )
)

# One copy's 4 boxes (4 KB) seen as [s, k, e]: offset bit (in elements) -> index. Bits 0-1 are e; 2-4 the chunk,
# which holds quad s ^ channel; 5-7 the channel (SIGMA: channel bit 0 is K bit 2, bits 1-2 are K bits 0-1),
# which also flips the chunk, so channel bit i maps to (s bit i, its K bit); 8-9 the box (s bits 3-4).
QUAD_VIEW = gl.constexpr(
    gl.SharedLinearLayout(
        offset_bases=[
            [0, 0, 1],
            [0, 0, 2],
            [1, 0, 0],
            [2, 0, 0],
            [4, 0, 0],
            [1, 4, 0],
            [2, 1, 0],
            [4, 2, 0],
            [8, 0, 0],
            [16, 0, 0],
        ],
        alignment=1024,
    )
)


@gluon.jit
def _fragment(even, odd, a_layout: gl.constexpr):
    # [32, 8] V of the even tiles 2s and of the odd tiles 2s + 1 -> wgmma's [64, 8] A operand with row
    # 16 s_hi + 8 v + s_lo for tile 2s + v (s = 8 s_hi + s_lo): each thread's two rows, r and r + 8, are the
    # two tiles of one quad, so this moves no data (assert_trivial: it does not compile otherwise).
    v = gl.join(even, odd)  # [32, 8, 2]
    v = gl.reshape(v, [4, 8, 8, 2])  # s_hi, s_lo, k, v
    v = gl.permute(v, [0, 3, 1, 2])  # s_hi, v, s_lo, k
    v = gl.reshape(v, [64, 8])
    return gl.convert_layout(v, a_layout, assert_trivial=True)


@gluon.jit
def _next_quad(a, n):
    # [32, 8] values at pixel e of quad s (a: this warpgroup's window) and of quad s + 8 (n: the window one box
    # on) -> pixel e of quad s + 1. In QUAD_LAYOUT lane bits 2-4 are s bits 0-2 (lanes 4 s_lo + k_lo), so
    # quad s + 1 lives 4 lanes up, except that s_lo = 7 wraps to the next warp's quads: lanes 0-3 (s_lo = 0)
    # offer n (quad 8 (s_hi + 1) = s + 1 for s_lo = 7) instead of a, then every lane takes lane + 4 (mod 32).
    return gl.inline_asm_elementwise(
        "{ .reg .u32 l; .reg .b32 v; .reg .pred p; mov.u32 l, %laneid; setp.lt.u32 p, l, 4;"
        " selp.b32 v, $2, $1, p; add.u32 l, l, 4; shfl.sync.idx.b32 $0, v, l, 31, -1; }",
        "=r,r,r",
        [a, n],
        dtype=gl.float32,
        is_pure=True,
        pack=1,
    )


@gluon.jit
def _pixels(qa, qn):
    # Quads of the own window (pixels 4s..4s+3) and of the window a box on (4s+32..) -> [32, 8] tensors of
    # pixels 4s + 0 .. 4s + 5.
    a02, a13 = gl.split(gl.reshape(qa, [32, 8, 2, 2]))
    a0, a2 = gl.split(a02)
    a1, a3 = gl.split(a13)
    n02, n13 = gl.split(gl.reshape(qn, [32, 8, 2, 2]))
    n0, _n2 = gl.split(n02)  # the upper pairs are never read: ptxas keeps one 8-byte load
    n1, _n3 = gl.split(n13)
    return a0, a1, a2, a3, _next_quad(a0, n0), _next_quad(a1, n1)


@gluon.jit
def _form_v(qa, qn, a_layout: gl.constexpr):
    # Quads of the two windows -> V0..V3, TF32-rounded, in wgmma's A layout.
    a0, a1, a2, a3, b0, b1 = _pixels(qa, qn)
    return _v_of_pixels(a0, a1, a2, a3, b0, b1, a_layout)


@gluon.jit
def _v_of_pixels(a0, a1, a2, a3, b0, b1, a_layout: gl.constexpr):
    # Pixels 4s + 0 .. 4s + 5 (_pixels) -> V0..V3, TF32-rounded, in wgmma's A layout (gluon_winograd_resident's
    # LOOKAHEAD calls it on pixels loaded a stage earlier).
    # Even tile 2s: d = (a0, a1, a2, a3); odd tile 2s + 1: d = (a2, a3, b0, b1), b = quad s + 1.
    v0 = _fragment(_round_tf32_g(a0 - a2), _round_tf32_g(a2 - b0), a_layout)
    v1 = _fragment(_round_tf32_g(a1 + a2), _round_tf32_g(a3 + b0), a_layout)
    v2 = _fragment(_round_tf32_g(a2 - a1), _round_tf32_g(b0 - a3), a_layout)
    v3 = _fragment(_round_tf32_g(a1 - a3), _round_tf32_g(a3 - b1), a_layout)
    return v0, v1, v2, v3


@gluon.jit
def _windows(x_bufs, s, WG: gl.constexpr):
    # Stage s's x boxes -> warpgroup WG's quads [32, 8, 4]: its own window (boxes 4 WG .. + 3 of the stage) and
    # the window a box on (4 WG + 1 .. + 4), both through QUAD_VIEW from their first box (1 KB-aligned: the
    # swizzle repeats per box). Windows overlap and a stage holds 9 boxes, not a power of two: hence a view
    # from one box's address rather than a slice of a per-stage shape.
    first = X_BOXES * s + 4 * WG
    qa = x_bufs.index(first)._reinterpret(gl.float32, [32, 8, 4], QUAD_VIEW).load(QUAD_LAYOUT)
    qn = x_bufs.index(first + 1)._reinterpret(gl.float32, [32, 8, 4], QUAD_VIEW).load(QUAD_LAYOUT)
    return qa, qn


@gluon.jit
def _f23_issue(v0, v1, v2, v3, u0, u1, u2, u3, m0, m1, m2, m3, first):
    # One K step's four point products, asynchronous: M_j (+)= V_j @ U_j, u_j being U_j's [N, 8] tile in
    # shared memory. They run until the caller's warpgroup_mma_wait, which must hold v0..v3 as deps.
    m0 = warpgroup_mma(v0, u0.permute((1, 0)), m0, use_acc=first, is_async=True)
    m1 = warpgroup_mma(v1, u1.permute((1, 0)), m1, use_acc=first, is_async=True)
    m2 = warpgroup_mma(v2, u2.permute((1, 0)), m2, use_acc=first, is_async=True)
    m3 = warpgroup_mma(v3, u3.permute((1, 0)), m3, use_acc=first, is_async=True)
    return m0, m1, m2, m3


@gluon.jit
def _f23_channel_min(m0, m1, m2, m3, bias, pad, scale):
    # The output transform, y[2t] = M0 + M1 + M2 and y[2t+1] = M1 - M2 - M3 (M3 holds -U3 products), then
    # bias, scale and the min over the accumulators' channels (pad: +inf on channels past C_out).
    y0 = m0 + m1 + m2
    y1 = m1 - m2 + m3
    lo0 = gl.min((y0 + bias[None, :]) * scale + pad[None, :], axis=1)
    lo1 = gl.min((y1 + bias[None, :]) * scale + pad[None, :], axis=1)
    return lo0, lo1


@gluon.jit
def _loader(
    x_desc,
    w_desc,
    x_bufs,
    w_bufs,
    ready,
    empty,
    H_out,
    TILES_W,
    num_rows,
    BN: gl.constexpr,
    N: gl.constexpr,
    BK: gl.constexpr,
    C_PAD: gl.constexpr,
    STAGES: gl.constexpr,
    TILES: gl.constexpr,
    TILE_ROWS: gl.constexpr,
    KH_ROWS: gl.constexpr,
):
    # 1 warp: per unit (output row, 256-pixel span), per pass p, kh and 8-channel chunk, into stage s: TILES
    # weight tiles, tile i from rows (i * TILE_ROWS + kh * KH_ROWS) * BN + p * N .. + N, columns c8 * BK .. + BK
    # (here: the four U_j, rows (j * 3 + kh) * BN; gluon_direct_rs: the three taps, rows (kh * 3 + kw) * BN),
    # into w_bufs TILES * s + i; and the X_BOXES x boxes of the row, box X_BOXES s + b at pixel 256 tw + 32 b
    # (TMA fills what lies past the row's end with zeros; those pixels reach masked outputs only).
    t0, t1 = _row_range(num_rows)
    STEP_BYTES: gl.constexpr = TILES * w_desc.block_type.nbytes + X_BOXES * x_desc.block_type.nbytes
    it = 0
    for t in range(t0, t1):
        n = t // H_out
        oh = t % H_out
        for tw in range(TILES_W):
            for step in range((BN // N) * 3 * (C_PAD // BK)):
                p = step // (3 * (C_PAD // BK))
                kh = (step // (C_PAD // BK)) % 3
                c8 = step % (C_PAD // BK)
                s = it % STAGES
                mbarrier.wait(empty.index(s), ((it // STAGES) & 1) ^ 1)  # a fresh barrier: parity 1 passes
                mbarrier.expect(ready.index(s), STEP_BYTES)
                for i in gl.static_range(TILES):
                    row = (i * TILE_ROWS + kh * KH_ROWS) * BN + p * N
                    tma.async_copy_global_to_shared(w_desc, [row, c8 * BK], ready.index(s), w_bufs.index(TILES * s + i))
                for b in gl.static_range(X_BOXES):
                    tma.async_copy_global_to_shared(
                        x_desc, [n, c8 * BK, oh + kh, 256 * tw + 32 * b], ready.index(s), x_bufs.index(X_BOXES * s + b)
                    )
                it += 1


@gluon.jit
def _stage_v(x_bufs, ready, it, STAGES: gl.constexpr, WG: gl.constexpr, a_layout: gl.constexpr):
    # Stage it's V0..V3 of this warpgroup's tiles, once the loader's TMA has landed.
    s = it % STAGES
    mbarrier.wait(ready.index(s), (it // STAGES) & 1)
    qa, qn = _windows(x_bufs, s, WG)
    return _form_v(qa, qn, a_layout)


@gluon.jit
def _consumer(
    x_bufs,
    b_bufs,
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
):
    # One warpgroup: tiles [tt0, tt0 + 64) of each unit, tt0 = 128 * tw + 64 * WG; every output channel in
    # BN // N passes of N, the running min over channels in registers.
    acc_layout: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, N, 8])
    a_layout: gl.constexpr = gl.DotOperandLayout(operand_index=0, parent=acc_layout, k_width=1)
    r = gl.arange(0, 64, layout=gl.SliceLayout(1, acc_layout))
    tile_o = 2 * (8 * (r // 16) + r % 8) + (r // 8) % 2  # the tile of accumulator row r (_fragment's order)
    chan_o = gl.arange(0, N, layout=gl.SliceLayout(0, acc_layout))
    t0, t1 = _row_range(num_rows)
    CHUNKS: gl.constexpr = C_PAD // BK
    m0 = gl.zeros([64, N], gl.float32, acc_layout)
    m1 = gl.zeros([64, N], gl.float32, acc_layout)
    m2 = gl.zeros([64, N], gl.float32, acc_layout)
    m3 = gl.zeros([64, N], gl.float32, acc_layout)
    total = (t1 - t0) * TILES_W * (BN // N) * 3 * CHUNKS  # the stages this CTA consumes, in the loader's order
    if PREFETCH:  # the launcher's grid never exceeds the rows: every CTA has a first stage
        v0, v1, v2, v3 = _stage_v(x_bufs, ready, 0, STAGES, WG, a_layout)
    it = 0
    for t in range(t0, t1):
        for tw in range(TILES_W):
            tt0 = tw * 128 + WG * 64
            lo0 = gl.full([64], float("inf"), gl.float32, gl.SliceLayout(1, acc_layout))
            lo1 = gl.full([64], float("inf"), gl.float32, gl.SliceLayout(1, acc_layout))
            for p in range(BN // N):
                for step in range(3 * CHUNKS):
                    s = it % STAGES
                    if not PREFETCH:
                        v0, v1, v2, v3 = _stage_v(x_bufs, ready, it, STAGES, WG, a_layout)
                    first = step > 0
                    m0, m1, m2, m3 = _f23_issue(
                        v0,
                        v1,
                        v2,
                        v3,
                        b_bufs.index(4 * s),
                        b_bufs.index(4 * s + 1),
                        b_bufs.index(4 * s + 2),
                        b_bufs.index(4 * s + 3),
                        m0,
                        m1,
                        m2,
                        m3,
                        first,
                    )
                    u0, u1, u2, u3 = v0, v1, v2, v3  # this stage's A operands, in flight until the wait
                    if PREFETCH and it + 1 < total:
                        # The next stage's V forms while these products run, into registers other than theirs:
                        # u0..u3 stay live (deps below) until the wait in this same iteration, so no loop back
                        # edge lets them move (sass_hazards.py checks the SASS).
                        v0, v1, v2, v3 = _stage_v(x_bufs, ready, it + 1, STAGES, WG, a_layout)
                    # The stage's four products retired: its U and x slots go back to the loader. The V
                    # registers are deps too: an asynchronous wgmma reads its A registers until this wait.
                    m0, m1, m2, m3, u0, u1, u2, u3 = warpgroup_mma_wait(
                        num_outstanding=0, deps=(m0, m1, m2, m3, u0, u1, u2, u3)
                    )
                    mbarrier.arrive(empty.index(s), count=1)
                    it += 1
                # This pass's channel min, into the running one.
                co = p * N + chan_o
                bias = gl.load(b_ptr + co, mask=co < C_out, other=0.0)
                pad = gl.where(co < C_out, 0.0, float("inf"))
                y0, y1 = _f23_channel_min(m0, m1, m2, m3, bias, pad, scale)
                lo0 = gl.minimum(lo0, y0)
                lo1 = gl.minimum(lo1, y1)
            ow = 2 * (tt0 + tile_o)
            out = out_ptr + t * W_out + ow
            gl.store(out, lo0, mask=ow < W_out)
            gl.store(out + 1, lo1, mask=ow + 1 < W_out)


@gluon.jit
def _conv_scale_min_f23_rs_kernel(
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
    BN: gl.constexpr,
    N: gl.constexpr,
    BK: gl.constexpr,
    C_PAD: gl.constexpr,
    STAGES: gl.constexpr,
    CONSUMER_REGS: gl.constexpr,
    PREFETCH: gl.constexpr,
):
    x_bufs = gl.allocate_shared_memory(gl.float32, [STAGES * X_BOXES] + x_desc.block_type.shape, x_desc.layout)
    b_bufs = gl.allocate_shared_memory(gl.float32, [4 * STAGES] + u_desc.block_type.shape, u_desc.layout)
    ready = gl.allocate_shared_memory(gl.int64, [STAGES, 1], mbarrier.MBarrierLayout())
    empty = gl.allocate_shared_memory(gl.int64, [STAGES, 1], mbarrier.MBarrierLayout())
    for i in gl.static_range(STAGES):
        mbarrier.init(ready.index(i), count=1)  # the loader's expect; TMA bytes complete the phase
        mbarrier.init(empty.index(i), count=2)  # one arrive per consumer warpgroup
    gl.warp_specialize(
        [
            (
                _consumer,  # warpgroup 0: tiles 64 * 0 .. of each 128-tile span
                (
                    x_bufs,
                    b_bufs,
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
                ),
            ),
            (
                _consumer,  # warpgroup 1: tiles 64 * 1 .. of each 128-tile span
                (
                    x_bufs,
                    b_bufs,
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
                ),
            ),
            (
                _loader,  # the four U_j of each (pass, kh, chunk): rows (j * 3 + kh) * BN
                (
                    x_desc,
                    u_desc,
                    x_bufs,
                    b_bufs,
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
                    4,
                    3,
                    1,
                ),
            ),
        ],
        [4, 1],
        [CONSUMER_REGS, 40],
    )


def sizes(C_in: int, C_out: int, W: int, BK: int = 8) -> tuple[int, int, int, int, int]:
    """(BN, N, C_pad, T, TILES_W): output channels padded to a power of two (16 at least) and taken N <= 64 per
    pass, input channels padded to whole K chunks, pixel pairs per output row, 128-tile spans per row."""
    BN = max(16, triton.next_power_of_2(C_out))
    N = min(BN, 64)
    C_pad = triton.cdiv(C_in, BK) * BK
    T = triton.cdiv(W - 2, 2)
    return BN, N, C_pad, T, triton.cdiv(T, 128)


def fragment_order(u: torch.Tensor) -> torch.Tensor:
    """U's columns in wgmma's K order: within each 8-channel chunk, column k holds channel SIGMA[k]."""
    # A view and a copy, no indexing (the runtime audit allows PyTorch to reshape and copy, not to compute):
    # K index k = 4 k2 + 2 k1 + k0 holds channel SIGMA[k] = 4 k1 + 2 k0 + k2, so with the chunk's channels as
    # dims (c2, c1, c0) the columns (k2, k1, k0) are dims (c0, c2, c1).
    rows, c_pad = u.shape
    return u.view(rows, c_pad // 8, 2, 2, 2).permute(0, 1, 4, 2, 3).reshape(rows, c_pad).contiguous()


def conv_scale_min_f23_rs(x, weight, bias, scale, STAGES=8, CONSUMER_REGS=232, PREFETCH=True, num_ctas=None, keep=None):
    """Transform the weights (gluon_winograd.transform_weights: U as [12 * BN, C_pad], U3 negated; its columns
    then put in SIGMA's order), then one persistent launch, one CTA per SM over a contiguous range of output
    rows. `keep` receives U (in channel order)."""
    assert weight.shape[2:] == (3, 3), "F(2,3) here is for 3x3 kernels"
    x = x.contiguous()
    N_img, C_in, H, W = x.shape
    C_out = weight.shape[0]
    H_out, W_out = H - 2, W - 2
    BK = 8
    BN, N, C_pad, T, TILES_W = sizes(C_in, C_out, W, BK)
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
    out = torch.empty((N_img, 1, H_out, W_out), device=x.device, dtype=x.dtype)
    num_rows = N_img * H_out
    if num_ctas is None:
        num_ctas = torch.cuda.get_device_properties(x.device).multi_processor_count
    _conv_scale_min_f23_rs_kernel[(min(num_ctas, num_rows),)](
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
        BN=BN,
        N=N,
        BK=BK,
        C_PAD=C_pad,
        STAGES=STAGES,
        CONSUMER_REGS=CONSUMER_REGS,
        PREFETCH=PREFETCH,
        num_warps=4,
    )
    return out


REPLY = """(Written by a coding model acting as the LLM of the loop through the `replay` provider, not by an LLM
endpoint.)

The parent is a direct TF32 conv at 86 % of the tensor cores' per-clock peak: below it, only fewer
multiplications help. Winograd F(2,3) along the width computes each output pixel pair from 4 products per
tap row instead of 6 (1.5x fewer MACs). A first version that wrote the transformed input V to a global
scratch was correct but DRAM- and restage-bound; this one never stores V:

- A 1-warp loader brings each NCHW x row once by TMA into shared memory (9 boxes of [8 channels, 32 pixels]
  per 256-pixel span, the right halo included); each consumer warpgroup reads its 16-byte quads, gets the
  odd pixel pairs' right neighbours (quad s + 1) by a 4-lane rotation (shfl), and forms V0 = d0 - d2,
  V1 = d1 + d2, V2 = d2 - d1, V3 = d1 - d3 in registers, rounded to nearest TF32, laid out as wgmma's A
  operand (TF32 wgmma reads A from registers). The next stage's V forms while this stage's wgmmas run.
- A small Triton kernel transforms the weights per call (U0 = g0, U1 = (g0+g1+g2)/2, U2 = (g0-g1+g2)/2,
  U3 = -g2); the loader streams the four U_j tiles of each (pass, kh, 8-channel chunk) by TMA beside x.
- Four accumulators M0..M3 of [64 pixel pairs, 64 channels] per warpgroup (two 64-channel passes, the
  running channel min in registers); then y[2t] = M0 + M1 + M2, y[2t+1] = M1 - M2 - M3, bias, scale, min.

```python
{code}
```
"""

SWEEP = (dict(PREFETCH=False), dict(STAGES=4), dict(STAGES=12), dict(PREFETCH=False, STAGES=4))


def check(sweep: bool = False, sizes: dict | None = None) -> None:
    """gluon_winograd.check with this launcher and its 8-channel U: five shapes against emulate() and fp64, the
    full shape's time, then "check: agrees" or where it disagrees; `sweep`: then the sizes in SWEEP; `sizes`:
    launcher arguments in place of its defaults."""
    from studies.conv2d_scale_min import gluon_winograd as gw

    gw.check(sweep, launch=conv_scale_min_f23_rs, sweep_sizes=SWEEP, BK=8, sizes=sizes)


def candidate_source() -> str:
    """A self-contained candidate: gluon_winograd's weight transform and Gluon helpers, this module's kernels,
    then the host functions, then ModelNew (the output rules: kernels before wrappers)."""
    import inspect
    import sys

    from studies.conv2d_scale_min import gluon_winograd as gw

    source = inspect.getsource(sys.modules[__name__])
    theirs = inspect.getsource(gw)
    body = source[source.index("from __future__ import annotations") :]
    imports = body[body.index("import torch\n") : body.index("from studies.conv2d_scale_min.gluon_winograd import")]
    kernels = source[source.index("# The x rows in shared memory.") : source.index("def sizes(")].rstrip()
    hosts = source[source.index("def sizes(") : source.index("\n\nREPLY = ")].rstrip()
    parts = [
        imports.replace("import torch\n", "import torch\nimport torch.nn as nn\n", 1)
        .replace("import triton\n", "import triton\nimport triton.language as tl\n", 1)
        .rstrip(),
        # _round_tf32, _weight_transform_kernel, _round_tf32_g, _row_range
        theirs[theirs.index("@triton.jit\ndef _round_tf32") : theirs.index("@gluon.jit\ndef _restager(")].rstrip(),
        kernels,
        theirs[theirs.index("def transform_weights(") : theirs.index("def sizes(")].rstrip(),
        hosts,
    ]
    return "\n\n\n".join(parts) + "\n" + gw.MODEL.format(launcher="conv_scale_min_f23_rs")


if __name__ == "__main__":
    from studies.conv2d_scale_min import gluon_winograd

    gluon_winograd.main(check, candidate_source, REPLY, launcher=conv_scale_min_f23_rs)
