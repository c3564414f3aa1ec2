"""conv2d_scale_min: Winograd F(2x2, 3x3) conv + scale + channel-min kernels (a study; measured slower than best.py).

    from studies.conv2d_scale_min.winograd_kernels import conv3x3_scale_min_rows
    y = conv3x3_scale_min_rows(x, weight, bias, scale, BK=16, TILES_M=True)   # [N, 1, H-2, W-2]

Timed by `python -m studies.conv2d_scale_min.winograd_variants` on a GPU; checked under the interpreter by
tests/test_winograd.py. The math is below.
"""

import torch
import triton
import triton.language as tl

from studies.conv2d_scale_min.conv_variants import nchw_to_nhwc

# Winograd F(2x2, 3x3) (Lavin & Gray 2015): for a 4x4 input tile d and a 3x3 filter g, the 2x2 output
# tile is  Y = A^T [ (G g G^T) * (B^T d B) ] A  with
#   B^T = [[1, 0,-1, 0], [0, 1, 1, 0], [0,-1, 1, 0], [0, 1, 0,-1]]
#   G   = [[1, 0, 0], [.5, .5, .5], [.5,-.5, .5], [0, 0, 1]]
#   A^T = [[1, 1, 1, 0], [0, 1,-1,-1]]
# Summed over input channels, each of the 16 transform positions (a, b) is one GEMM
#   M_ab[tile, o] = sum_c V_ab[tile, c] * U_ab[c, o]      (V = B^T d B, U = G g G^T)
# so the conv costs 16 GEMMs with K = C per 4 outputs instead of 36: 2.25x fewer tensor-core FLOPs.
# V is built in registers straight from NCHW x, which also removes the channels-last restage.
# Both operands are rounded to TF32 (round-to-nearest) before the dot, so the tensor cores see exactly
# the values rounded here; that keeps the error at TF32 level (max err ~2e-3 at |ref| ~3 in simulation).


@triton.jit
def _round_tf32(v):
    # round to nearest, ties away from zero (what cvt.rna.tf32.f32 does) onto TF32's 10-bit mantissa:
    # add half a TF32 ulp to the magnitude bits, clear the 13 low bits. Not for inf/NaN inputs.
    bits = v.to(tl.int32, bitcast=True)
    bits = (bits + 0x1000) & -8192
    return bits.to(tl.float32, bitcast=True)


@triton.jit
def _winograd_weight_kernel(w_ptr, u_ptr, OC, N_OC_C, BLOCK: tl.constexpr):
    # w [O, C, 3, 3] -> u [16, O, C] = G g G^T per (o, c), TF32-rounded; index i = o * C + c
    i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = i < N_OC_C
    g = w_ptr + i * 9
    g00 = tl.load(g + 0, mask=m, other=0.0)
    g01 = tl.load(g + 1, mask=m, other=0.0)
    g02 = tl.load(g + 2, mask=m, other=0.0)
    g10 = tl.load(g + 3, mask=m, other=0.0)
    g11 = tl.load(g + 4, mask=m, other=0.0)
    g12 = tl.load(g + 5, mask=m, other=0.0)
    g20 = tl.load(g + 6, mask=m, other=0.0)
    g21 = tl.load(g + 7, mask=m, other=0.0)
    g22 = tl.load(g + 8, mask=m, other=0.0)
    # rows of G g (4 x 3)
    r0 = (g00, g01, g02)
    r1 = (0.5 * (g00 + g10 + g20), 0.5 * (g01 + g11 + g21), 0.5 * (g02 + g12 + g22))
    r2 = (0.5 * (g00 - g10 + g20), 0.5 * (g01 - g11 + g21), 0.5 * (g02 - g12 + g22))
    r3 = (g20, g21, g22)
    _store_u_row(u_ptr, 0, r0, i, m, N_OC_C)
    _store_u_row(u_ptr, 1, r1, i, m, N_OC_C)
    _store_u_row(u_ptr, 2, r2, i, m, N_OC_C)
    _store_u_row(u_ptr, 3, r3, i, m, N_OC_C)


@triton.jit
def _store_u_row(u_ptr, a: tl.constexpr, r, i, m, N_OC_C):
    # (G g) row times G^T: columns b = 0..3
    u0 = r[0]
    u1 = 0.5 * (r[0] + r[1] + r[2])
    u2 = 0.5 * (r[0] - r[1] + r[2])
    u3 = r[2]
    tl.store(u_ptr + (a * 4 + 0) * N_OC_C + i, _round_tf32(u0), mask=m)
    tl.store(u_ptr + (a * 4 + 1) * N_OC_C + i, _round_tf32(u1), mask=m)
    tl.store(u_ptr + (a * 4 + 2) * N_OC_C + i, _round_tf32(u2), mask=m)
    tl.store(u_ptr + (a * 4 + 3) * N_OC_C + i, _round_tf32(u3), mask=m)


@triton.jit
def _rows(x_cols, a: tl.constexpr, j: tl.constexpr, w0, w1, w2, w3, m):
    # R_a[j] = sum_i B^T[a, i] * d[i][j]  ([BT, BK]), d[i][j][t, c] = x[n, c, 2tr + i, 2t + j];
    # w_i = element offset of input row 2tr + i (clamped to the last row: rows past the end only feed
    # output rows that are masked at the store)
    p = x_cols + j
    if a == 0:
        r = tl.load(p + w0, mask=m, other=0.0) - tl.load(p + w2, mask=m, other=0.0)
    elif a == 1:
        r = tl.load(p + w1, mask=m, other=0.0) + tl.load(p + w2, mask=m, other=0.0)
    elif a == 2:
        r = tl.load(p + w2, mask=m, other=0.0) - tl.load(p + w1, mask=m, other=0.0)
    else:
        r = tl.load(p + w1, mask=m, other=0.0) - tl.load(p + w3, mask=m, other=0.0)
    return r


@triton.jit
def _conv3x3_scale_min_winograd_kernel(
    x_ptr,
    u_ptr,
    b_ptr,
    out_ptr,
    C,
    H,
    W,
    OC,
    OH,
    OW,
    TW,
    scale,
    BT: tl.constexpr,
    BK: tl.constexpr,
    BN: tl.constexpr,
):
    # One program: image n, tile row tr (output rows 2tr, 2tr+1), BT tiles along w (2*BT output
    # columns), all OC channels, so the channel min is an epilogue. Accumulators Y_ij [BT, BN], i, j in
    # {0, 1}: output pixel (2tr + i, 2t + j).
    pid_t = tl.program_id(0)
    tr = tl.program_id(1)
    n = tl.program_id(2)
    t = pid_t * BT + tl.arange(0, BT)
    o = tl.arange(0, BN)
    kc = tl.arange(0, BK)
    row0 = 2 * tr
    mask_t = (2 * t < W)[:, None]
    w0 = row0 * W
    w1 = tl.minimum(row0 + 1, H - 1) * W
    w2 = tl.minimum(row0 + 2, H - 1) * W
    w3 = tl.minimum(row0 + 3, H - 1) * W
    y00 = tl.zeros((BT, BN), dtype=tl.float32)
    y01 = tl.zeros((BT, BN), dtype=tl.float32)
    y10 = tl.zeros((BT, BN), dtype=tl.float32)
    y11 = tl.zeros((BT, BN), dtype=tl.float32)
    NOC = OC * C
    for c0 in range(0, C, BK):
        c = c0 + kc
        mask_c = (c < C)[None, :]
        # [BT, BK] pointers to x[n, c, 0, 2t]
        x_cols = x_ptr + (n * C + c)[None, :] * (H * W) + 2 * t[:, None]
        u_tile = u_ptr + o[None, :] * C + c[:, None]  # [BK, BN], K-contiguous
        mask_u = (c < C)[:, None] & (o < OC)[None, :]
        for a in tl.static_range(4):
            # b = 0 uses R_a[0], R_a[2]; b = 1, 2 use R_a[1], R_a[2]; b = 3 uses R_a[1], R_a[3]
            r0 = _rows(x_cols, a, 0, w0, w1, w2, w3, mask_c & mask_t)
            r2 = _rows(x_cols, a, 2, w0, w1, w2, w3, mask_c & (2 * t + 2 < W)[:, None])
            v = _round_tf32(r0 - r2)
            m = tl.dot(v, tl.load(u_tile + (a * 4 + 0) * NOC, mask=mask_u, other=0.0))
            y00, y01, y10, y11 = _accumulate(y00, y01, y10, y11, m, a, 0)
            r1 = _rows(x_cols, a, 1, w0, w1, w2, w3, mask_c & (2 * t + 1 < W)[:, None])
            v = _round_tf32(r1 + r2)
            m = tl.dot(v, tl.load(u_tile + (a * 4 + 1) * NOC, mask=mask_u, other=0.0))
            y00, y01, y10, y11 = _accumulate(y00, y01, y10, y11, m, a, 1)
            v = _round_tf32(r2 - r1)
            m = tl.dot(v, tl.load(u_tile + (a * 4 + 2) * NOC, mask=mask_u, other=0.0))
            y00, y01, y10, y11 = _accumulate(y00, y01, y10, y11, m, a, 2)
            r3 = _rows(x_cols, a, 3, w0, w1, w2, w3, mask_c & (2 * t + 3 < W)[:, None])
            v = _round_tf32(r1 - r3)
            m = tl.dot(v, tl.load(u_tile + (a * 4 + 3) * NOC, mask=mask_u, other=0.0))
            y00, y01, y10, y11 = _accumulate(y00, y01, y10, y11, m, a, 3)
    # epilogue: out = min_o scale * (Y + bias); padded channels give +inf
    mask_o = o < OC
    bias = tl.load(b_ptr + o, mask=mask_o, other=0.0)
    out_row = out_ptr + (n * OH + row0) * OW
    _store_min(out_row, y00, bias, scale, mask_o, t, 0, 0, OH - row0, OW, True)
    _store_min(out_row, y01, bias, scale, mask_o, t, 0, 1, OH - row0, OW, True)
    _store_min(out_row, y10, bias, scale, mask_o, t, 1, 0, OH - row0, OW, True)
    _store_min(out_row, y11, bias, scale, mask_o, t, 1, 1, OH - row0, OW, True)


@triton.jit
def _accumulate(y00, y01, y10, y11, m, a: tl.constexpr, b: tl.constexpr):
    # Y_ij += A^T[i, a] * A^T[j, b] * M_ab,  A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]
    if a < 3:
        if b < 3:
            y00 += m
        if b == 1:
            y01 += m
        if b >= 2:
            y01 -= m
    if a == 1:
        if b < 3:
            y10 += m
        if b == 1:
            y11 += m
        if b >= 2:
            y11 -= m
    if a >= 2:
        if b < 3:
            y10 -= m
        if b == 1:
            y11 -= m
        if b >= 2:
            y11 += m
    return y00, y01, y10, y11


@triton.jit
def _conv3x3_scale_min_winograd_dyn_kernel(
    x_ptr,
    u_ptr,
    b_ptr,
    out_ptr,
    C,
    H,
    W,
    OC,
    OH,
    OW,
    TW,
    scale,
    BT: tl.constexpr,
    BK: tl.constexpr,
    BN: tl.constexpr,
    STAGES: tl.constexpr,
):
    # Same math as the static kernel; the 16 positions are one runtime loop so the software pipeliner
    # can fetch position p+1's operands while position p's dot runs.
    pid_t = tl.program_id(0)
    tr = tl.program_id(1)
    n = tl.program_id(2)
    t = pid_t * BT + tl.arange(0, BT)
    o = tl.arange(0, BN)
    kc = tl.arange(0, BK)
    row0 = 2 * tr
    y00 = tl.zeros((BT, BN), dtype=tl.float32)
    y01 = tl.zeros((BT, BN), dtype=tl.float32)
    y10 = tl.zeros((BT, BN), dtype=tl.float32)
    y11 = tl.zeros((BT, BN), dtype=tl.float32)
    NOC = OC * C
    NCB = tl.cdiv(C, BK)
    for it in tl.range(0, 16 * NCB, num_stages=STAGES):
        p = it // NCB
        c = (it % NCB) * BK + kc
        a = p // 4
        b = p % 4
        i1 = tl.minimum(a, 1)
        i2 = 2 + (a == 3).to(tl.int32)
        s1 = tl.where(a == 2, -1.0, 1.0)
        s2 = tl.where((a == 0) | (a == 3), -1.0, 1.0)
        j1 = tl.minimum(b, 1)
        j2 = 2 + (b == 3).to(tl.int32)
        t1 = tl.where(b == 2, -1.0, 1.0)
        t2 = tl.where((b == 0) | (b == 3), -1.0, 1.0)
        r1 = tl.minimum(row0 + i1, H - 1) * W
        r2 = tl.minimum(row0 + i2, H - 1) * W
        base = x_ptr + (n * C + c)[None, :] * (H * W) + 2 * t[:, None]
        mc = (c < C)[None, :]
        m1 = mc & (2 * t + j1 < W)[:, None]
        m2 = mc & (2 * t + j2 < W)[:, None]
        v = (s1 * t1) * tl.load(base + r1 + j1, mask=m1, other=0.0)
        v += (s1 * t2) * tl.load(base + r1 + j2, mask=m2, other=0.0)
        v += (s2 * t1) * tl.load(base + r2 + j1, mask=m1, other=0.0)
        v += (s2 * t2) * tl.load(base + r2 + j2, mask=m2, other=0.0)
        u = tl.load(u_ptr + p * NOC + o[None, :] * C + c[:, None], mask=(c < C)[:, None] & (o < OC)[None, :], other=0.0)
        m = tl.dot(_round_tf32(v), u)
        e0a = (a < 3).to(tl.float32)
        e1a = tl.where(a == 0, 0.0, tl.where(a == 1, 1.0, -1.0))
        e0b = (b < 3).to(tl.float32)
        e1b = tl.where(b == 0, 0.0, tl.where(b == 1, 1.0, -1.0))
        y00 += (e0a * e0b) * m
        y01 += (e0a * e1b) * m
        y10 += (e1a * e0b) * m
        y11 += (e1a * e1b) * m
    mask_o = o < OC
    bias = tl.load(b_ptr + o, mask=mask_o, other=0.0)
    out_row = out_ptr + (n * OH + row0) * OW
    _store_min(out_row, y00, bias, scale, mask_o, t, 0, 0, OH - row0, OW, True)
    _store_min(out_row, y01, bias, scale, mask_o, t, 0, 1, OH - row0, OW, True)
    _store_min(out_row, y10, bias, scale, mask_o, t, 1, 0, OH - row0, OW, True)
    _store_min(out_row, y11, bias, scale, mask_o, t, 1, 1, OH - row0, OW, True)


def conv3x3_scale_min_variant(x, weight, bias, scale, kernel="static", BT=64, BK=64, num_warps=8, num_stages=1):
    x = x.contiguous()
    u, out, (N, C, H, W, OC, OH, OW, TW), BN, BK, BT, grid = _setup(x, weight, BT, BK)
    args = (x, u, bias.contiguous(), out, C, H, W, OC, OH, OW, TW, float(scale))
    if kernel == "static":
        h = _conv3x3_scale_min_winograd_kernel[grid](
            *args, BT=BT, BK=BK, BN=BN, num_warps=num_warps, num_stages=num_stages
        )
    else:
        h = _conv3x3_scale_min_winograd_dyn_kernel[grid](
            *args, BT=BT, BK=BK, BN=BN, STAGES=num_stages, num_warps=num_warps
        )
    LAST["kernel"] = h
    return out


LAST: dict = {}  # the last launched CompiledKernel (registers and spills for the benchmark table)


def _setup(x, weight, BT, BK):
    """Shared by the launchers: U = G g G^T (one small kernel per call), the output, block sizes, grid."""
    N, C, H, W = x.shape
    OC = weight.shape[0]
    if tuple(weight.shape[1:]) != (C, 3, 3):
        raise ValueError(f"winograd F(2x2,3x3) needs a 3x3 kernel over {C} channels, got {tuple(weight.shape)}")
    OH, OW = H - 2, W - 2
    u = torch.empty((16, OC, C), device=x.device, dtype=torch.float32)
    _winograd_weight_kernel[(triton.cdiv(OC * C, 256),)](weight.contiguous(), u, OC, OC * C, BLOCK=256)
    out = torch.empty((N, 1, OH, OW), device=x.device, dtype=x.dtype)
    TH, TW = triton.cdiv(OH, 2), triton.cdiv(OW, 2)
    BN = max(16, triton.next_power_of_2(OC))
    BK = min(BK, max(16, triton.next_power_of_2(C)))
    BT = min(BT, max(16, triton.next_power_of_2(TW)))
    return u, out, (N, C, H, W, OC, OH, OW, TW), BN, BK, BT, (triton.cdiv(TW, BT), TH, N)


# ------------------------------------------------------------------------------------------------
# R: x rows are loaded as contiguous [BK, 2*BT] strips (16-byte vector loads along w) and split into
# even / odd columns, instead of [BT, BK] tiles with a stride of 2 that the coalescer lays out along
# channels (one 32-byte sector per element). Positions are unrolled; channels are a runtime loop.
# TILES_M: acc is [BT, BN] (V is the A operand), else [BN, BT] (U^T is A, read K-contiguous).


@triton.jit
def _row_comb(p, w1, w2, s1: tl.constexpr, s2: tl.constexpr, m):
    return s1 * tl.load(p + w1, mask=m, other=0.0) + s2 * tl.load(p + w2, mask=m, other=0.0)


@triton.jit
def _dot_pos(u_ptr, v, p: tl.constexpr, NOC, C, o, c, mo, mc, TILES_M: tl.constexpr):
    v = _round_tf32(v)
    if TILES_M:
        u = tl.load(u_ptr + p * NOC + o[None, :] * C + c[:, None], mask=mc[:, None] & mo[None, :], other=0.0)
        return tl.dot(tl.trans(v), u)
    else:
        u = tl.load(u_ptr + p * NOC + o[:, None] * C + c[None, :], mask=mo[:, None] & mc[None, :], other=0.0)
        return tl.dot(u, v)


@triton.jit
def _conv3x3_scale_min_winograd_rows_kernel(
    x_ptr,
    u_ptr,
    b_ptr,
    out_ptr,
    C,
    H,
    W,
    OC,
    OH,
    OW,
    TW,
    scale,
    BT: tl.constexpr,
    BK: tl.constexpr,
    BN: tl.constexpr,
    TILES_M: tl.constexpr,
):
    pid_t = tl.program_id(0)
    tr = tl.program_id(1)
    n = tl.program_id(2)
    t0 = pid_t * BT
    t = t0 + tl.arange(0, BT)
    o = tl.arange(0, BN)
    mo = o < OC
    kc = tl.arange(0, BK)
    ww = 2 * t0 + tl.arange(0, 2 * BT)  # input columns 2t, 2t+1 interleaved
    row0 = 2 * tr
    w0 = row0 * W
    w1 = tl.minimum(row0 + 1, H - 1) * W
    w2 = tl.minimum(row0 + 2, H - 1) * W
    w3 = tl.minimum(row0 + 3, H - 1) * W
    if TILES_M:
        shape: tl.constexpr = (BT, BN)
    else:
        shape: tl.constexpr = (BN, BT)
    y00 = tl.zeros(shape, dtype=tl.float32)
    y01 = tl.zeros(shape, dtype=tl.float32)
    y10 = tl.zeros(shape, dtype=tl.float32)
    y11 = tl.zeros(shape, dtype=tl.float32)
    NOC = OC * C
    for c0 in range(0, C, BK):
        c = c0 + kc
        mc = c < C
        p = x_ptr + (n * C + c)[:, None] * (H * W) + ww[None, :]
        m0 = mc[:, None] & (ww < W)[None, :]
        m2 = mc[:, None] & (ww + 2 < W)[None, :]
        for a in tl.static_range(4):
            if a == 0:
                l0 = _row_comb(p, w0, w2, 1.0, -1.0, m0)
                l2 = _row_comb(p + 2, w0, w2, 1.0, -1.0, m2)
            elif a == 1:
                l0 = _row_comb(p, w1, w2, 1.0, 1.0, m0)
                l2 = _row_comb(p + 2, w1, w2, 1.0, 1.0, m2)
            elif a == 2:
                l0 = _row_comb(p, w1, w2, -1.0, 1.0, m0)
                l2 = _row_comb(p + 2, w1, w2, -1.0, 1.0, m2)
            else:
                l0 = _row_comb(p, w1, w3, 1.0, -1.0, m0)
                l2 = _row_comb(p + 2, w1, w3, 1.0, -1.0, m2)
            r0, r1 = tl.split(tl.reshape(l0, (BK, BT, 2)))  # R_a[0], R_a[1]: [BK, BT]
            r2, r3 = tl.split(tl.reshape(l2, (BK, BT, 2)))  # R_a[2], R_a[3]
            m = _dot_pos(u_ptr, r0 - r2, a * 4 + 0, NOC, C, o, c, mo, mc, TILES_M)
            y00, y01, y10, y11 = _accumulate(y00, y01, y10, y11, m, a, 0)
            m = _dot_pos(u_ptr, r1 + r2, a * 4 + 1, NOC, C, o, c, mo, mc, TILES_M)
            y00, y01, y10, y11 = _accumulate(y00, y01, y10, y11, m, a, 1)
            m = _dot_pos(u_ptr, r2 - r1, a * 4 + 2, NOC, C, o, c, mo, mc, TILES_M)
            y00, y01, y10, y11 = _accumulate(y00, y01, y10, y11, m, a, 2)
            m = _dot_pos(u_ptr, r1 - r3, a * 4 + 3, NOC, C, o, c, mo, mc, TILES_M)
            y00, y01, y10, y11 = _accumulate(y00, y01, y10, y11, m, a, 3)
    bias = tl.load(b_ptr + o, mask=mo, other=0.0)
    out_row = out_ptr + (n * OH + row0) * OW
    _store_min(out_row, y00, bias, scale, mo, t, 0, 0, OH - row0, OW, TILES_M)
    _store_min(out_row, y01, bias, scale, mo, t, 0, 1, OH - row0, OW, TILES_M)
    _store_min(out_row, y10, bias, scale, mo, t, 1, 0, OH - row0, OW, TILES_M)
    _store_min(out_row, y11, bias, scale, mo, t, 1, 1, OH - row0, OW, TILES_M)


@triton.jit
def _store_min(out_row, y, bias, scale, mo, t, i: tl.constexpr, j: tl.constexpr, rows_left, OW, TILES_M: tl.constexpr):
    if TILES_M:
        z = tl.where(mo[None, :], (y + bias[None, :]) * scale, float("inf"))
        v = tl.min(z, axis=1)
    else:
        z = tl.where(mo[:, None], (y + bias[:, None]) * scale, float("inf"))
        v = tl.min(z, axis=0)
    col = 2 * t + j
    col_end = tl.where(rows_left > i, OW, 0)
    tl.store(out_row + i * OW + col, v, mask=col < col_end)


def conv3x3_scale_min_rows(x, weight, bias, scale, BT=64, BK=32, TILES_M=False, num_warps=8, num_stages=1):
    x = x.contiguous()
    u, out, (N, C, H, W, OC, OH, OW, TW), BN, BK, BT, grid = _setup(x, weight, BT, BK)
    LAST["kernel"] = _conv3x3_scale_min_winograd_rows_kernel[grid](
        x,
        u,
        bias.contiguous(),
        out,
        C,
        H,
        W,
        OC,
        OH,
        OW,
        TW,
        float(scale),
        BT=BT,
        BK=BK,
        BN=BN,
        TILES_M=TILES_M,
        num_warps=num_warps,
        num_stages=num_stages,
    )
    return out


# ------------------------------------------------------------------------------------------------
# RD: R's row strips, but the 4 row transforms a (x channel chunks) are one runtime loop, so the software
# pipeliner can stage the next strips and U tiles with cp.async while this iteration's 4 dots run, and
# the compiler cannot hoist all 16 positions' loads at once (R spills at 255 registers). The output
# transform's row coefficients become runtime scalars (A^T[0, a], A^T[1, a]): 12 FMA passes per a.


@triton.jit
def _conv3x3_scale_min_winograd_rowloop_kernel(
    x_ptr,
    u_ptr,
    b_ptr,
    out_ptr,
    C,
    H,
    W,
    OC,
    OH,
    OW,
    TW,
    scale,
    BT: tl.constexpr,
    BK: tl.constexpr,
    BN: tl.constexpr,
    STAGES: tl.constexpr,
):
    pid_t = tl.program_id(0)
    tr = tl.program_id(1)
    n = tl.program_id(2)
    t0 = pid_t * BT
    t = t0 + tl.arange(0, BT)
    o = tl.arange(0, BN)
    mo = o < OC
    kc = tl.arange(0, BK)
    ww = 2 * t0 + tl.arange(0, 2 * BT)
    row0 = 2 * tr
    y00 = tl.zeros((BN, BT), dtype=tl.float32)
    y01 = tl.zeros((BN, BT), dtype=tl.float32)
    y10 = tl.zeros((BN, BT), dtype=tl.float32)
    y11 = tl.zeros((BN, BT), dtype=tl.float32)
    NOC = OC * C
    NCB = tl.cdiv(C, BK)
    for it in tl.range(0, 4 * NCB, num_stages=STAGES):
        a = it // NCB
        c = (it % NCB) * BK + kc
        mc = c < C
        # B^T row a: rows (i1, s1), (i2, s2); A^T column a: (e0, e1)
        i1 = tl.minimum(a, 1)
        i2 = 2 + (a == 3).to(tl.int32)
        s1 = tl.where(a == 2, -1.0, 1.0)
        s2 = tl.where((a == 0) | (a == 3), -1.0, 1.0)
        e0 = (a < 3).to(tl.float32)
        e1 = tl.where(a == 0, 0.0, tl.where(a == 1, 1.0, -1.0))
        p = x_ptr + (n * C + c)[:, None] * (H * W) + ww[None, :]
        q1 = p + tl.minimum(row0 + i1, H - 1) * W
        q2 = p + tl.minimum(row0 + i2, H - 1) * W
        m0 = mc[:, None] & (ww < W)[None, :]
        m2 = mc[:, None] & (ww + 2 < W)[None, :]
        l0 = s1 * tl.load(q1, mask=m0, other=0.0) + s2 * tl.load(q2, mask=m0, other=0.0)
        l2 = s1 * tl.load(q1 + 2, mask=m2, other=0.0) + s2 * tl.load(q2 + 2, mask=m2, other=0.0)
        r0, r1 = tl.split(tl.reshape(l0, (BK, BT, 2)))
        r2, r3 = tl.split(tl.reshape(l2, (BK, BT, 2)))
        u = u_ptr + (a * 4) * NOC + o[:, None] * C + c[None, :]
        mu = mo[:, None] & mc[None, :]
        m = tl.dot(tl.load(u, mask=mu, other=0.0), _round_tf32(r0 - r2))
        y00 += e0 * m
        y10 += e1 * m
        m = tl.dot(tl.load(u + NOC, mask=mu, other=0.0), _round_tf32(r1 + r2))
        y00 += e0 * m
        y01 += e0 * m
        y10 += e1 * m
        y11 += e1 * m
        m = tl.dot(tl.load(u + 2 * NOC, mask=mu, other=0.0), _round_tf32(r2 - r1))
        y00 += e0 * m
        y01 -= e0 * m
        y10 += e1 * m
        y11 -= e1 * m
        m = tl.dot(tl.load(u + 3 * NOC, mask=mu, other=0.0), _round_tf32(r1 - r3))
        y01 -= e0 * m
        y11 -= e1 * m
    bias = tl.load(b_ptr + o, mask=mo, other=0.0)
    out_row = out_ptr + (n * OH + row0) * OW
    _store_min(out_row, y00, bias, scale, mo, t, 0, 0, OH - row0, OW, False)
    _store_min(out_row, y01, bias, scale, mo, t, 0, 1, OH - row0, OW, False)
    _store_min(out_row, y10, bias, scale, mo, t, 1, 0, OH - row0, OW, False)
    _store_min(out_row, y11, bias, scale, mo, t, 1, 1, OH - row0, OW, False)


def conv3x3_scale_min_rowloop(x, weight, bias, scale, BT=64, BK=32, num_warps=8, num_stages=2):
    x = x.contiguous()
    u, out, (N, C, H, W, OC, OH, OW, TW), BN, BK, BT, grid = _setup(x, weight, BT, BK)
    LAST["kernel"] = _conv3x3_scale_min_winograd_rowloop_kernel[grid](
        x,
        u,
        bias.contiguous(),
        out,
        C,
        H,
        W,
        OC,
        OH,
        OW,
        TW,
        float(scale),
        BT=BT,
        BK=BK,
        BN=BN,
        STAGES=num_stages,
        num_warps=num_warps,
    )
    return out


# ------------------------------------------------------------------------------------------------
# NW: x restaged once to channels-last (as best.py does), then Winograd over it. A [tiles, channels]
# tile of one (row, column phase) is channel-contiguous: 16-byte coalesced loads, and the registers
# already hold the K-major vectors the TF32 dot's shared tile wants (no transposing 4-byte stores).


@triton.jit
def _conv3x3_scale_min_winograd_nhwc_kernel(
    xh_ptr,
    u_ptr,
    b_ptr,
    out_ptr,
    C,
    H,
    W,
    OC,
    OH,
    OW,
    scale,
    C_PAD: tl.constexpr,
    BT: tl.constexpr,
    BK: tl.constexpr,
    BN: tl.constexpr,
    STAGES: tl.constexpr,
):
    pid_t = tl.program_id(0)
    tr = tl.program_id(1)
    n = tl.program_id(2)
    t = pid_t * BT + tl.arange(0, BT)
    o = tl.arange(0, BN)
    mo = o < OC
    kc = tl.arange(0, BK)
    row0 = 2 * tr
    # input column 2t + j, clamped: columns past the end only feed output columns masked at the store
    col0 = tl.minimum(2 * t, W - 1)
    col1 = tl.minimum(2 * t + 1, W - 1)
    col2 = tl.minimum(2 * t + 2, W - 1)
    col3 = tl.minimum(2 * t + 3, W - 1)
    y00 = tl.zeros((BT, BN), dtype=tl.float32)
    y01 = tl.zeros((BT, BN), dtype=tl.float32)
    y10 = tl.zeros((BT, BN), dtype=tl.float32)
    y11 = tl.zeros((BT, BN), dtype=tl.float32)
    NOC = OC * C
    NCB: tl.constexpr = C_PAD // BK
    for it in tl.range(0, 4 * NCB, num_stages=STAGES):
        a = it // NCB
        c = (it % NCB) * BK + kc
        i1 = tl.minimum(a, 1)
        i2 = 2 + (a == 3).to(tl.int32)
        s1 = tl.where(a == 2, -1.0, 1.0)
        s2 = tl.where((a == 0) | (a == 3), -1.0, 1.0)
        e0 = (a < 3).to(tl.float32)
        e1 = tl.where(a == 0, 0.0, tl.where(a == 1, 1.0, -1.0))
        p1 = xh_ptr + (n * H + tl.minimum(row0 + i1, H - 1)) * W * C_PAD + c[None, :]
        p2 = xh_ptr + (n * H + tl.minimum(row0 + i2, H - 1)) * W * C_PAD + c[None, :]
        r0 = s1 * tl.load(p1 + col0[:, None] * C_PAD) + s2 * tl.load(p2 + col0[:, None] * C_PAD)
        r1 = s1 * tl.load(p1 + col1[:, None] * C_PAD) + s2 * tl.load(p2 + col1[:, None] * C_PAD)
        r2 = s1 * tl.load(p1 + col2[:, None] * C_PAD) + s2 * tl.load(p2 + col2[:, None] * C_PAD)
        r3 = s1 * tl.load(p1 + col3[:, None] * C_PAD) + s2 * tl.load(p2 + col3[:, None] * C_PAD)
        u = u_ptr + (a * 4) * NOC + o[None, :] * C + c[:, None]  # [BK, BN], K-contiguous
        mu = (c < C)[:, None] & mo[None, :]
        m = tl.dot(_round_tf32(r0 - r2), tl.load(u, mask=mu, other=0.0))
        y00 += e0 * m
        y10 += e1 * m
        m = tl.dot(_round_tf32(r1 + r2), tl.load(u + NOC, mask=mu, other=0.0))
        y00 += e0 * m
        y01 += e0 * m
        y10 += e1 * m
        y11 += e1 * m
        m = tl.dot(_round_tf32(r2 - r1), tl.load(u + 2 * NOC, mask=mu, other=0.0))
        y00 += e0 * m
        y01 -= e0 * m
        y10 += e1 * m
        y11 -= e1 * m
        m = tl.dot(_round_tf32(r1 - r3), tl.load(u + 3 * NOC, mask=mu, other=0.0))
        y01 -= e0 * m
        y11 -= e1 * m
    bias = tl.load(b_ptr + o, mask=mo, other=0.0)
    out_row = out_ptr + (n * OH + row0) * OW
    _store_min(out_row, y00, bias, scale, mo, t, 0, 0, OH - row0, OW, True)
    _store_min(out_row, y01, bias, scale, mo, t, 0, 1, OH - row0, OW, True)
    _store_min(out_row, y10, bias, scale, mo, t, 1, 0, OH - row0, OW, True)
    _store_min(out_row, y11, bias, scale, mo, t, 1, 1, OH - row0, OW, True)


def conv3x3_scale_min_nhwc(x, weight, bias, scale, BT=64, BK=32, num_warps=8, num_stages=2):
    x = x.contiguous()
    u, out, (N, C, H, W, OC, OH, OW, TW), BN, BK, BT, grid = _setup(x, weight, BT, BK)
    C_pad = triton.cdiv(C, BK) * BK
    xh = torch.empty((N * H * W, C_pad), device=x.device, dtype=torch.float32)
    nchw_to_nhwc[(triton.cdiv(H * W, 64), N)](x, xh, C, H * W, C_PAD=C_pad, BP=64, CB=triton.next_power_of_2(C_pad))
    LAST["kernel"] = _conv3x3_scale_min_winograd_nhwc_kernel[grid](
        xh,
        u,
        bias.contiguous(),
        out,
        C,
        H,
        W,
        OC,
        OH,
        OW,
        float(scale),
        C_PAD=C_pad,
        BT=BT,
        BK=BK,
        BN=BN,
        STAGES=num_stages,
        num_warps=num_warps,
    )
    return out
