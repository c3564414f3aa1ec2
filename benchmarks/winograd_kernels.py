import torch
import torch.nn as nn
import triton
import triton.language as tl

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
    # round-to-nearest-even-ish onto TF32's 10-bit mantissa: add half an ulp of TF32, clear the 13 low bits
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
    x_ptr, u_ptr, b_ptr, out_ptr,
    C, H, W, OC, OH, OW, TW, scale,
    BT: tl.constexpr, BK: tl.constexpr, BN: tl.constexpr,
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
        u_tile = u_ptr + o[None, :] * C + c[:, None]            # [BK, BN], K-contiguous
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
    bias = tl.load(b_ptr + o, mask=mask_o, other=0.0)[None, :]
    out_row = out_ptr + (n * OH + row0) * OW
    _store_min(out_row, y00, bias, scale, mask_o, t, 0, 0, OH - row0, OW)
    _store_min(out_row, y01, bias, scale, mask_o, t, 0, 1, OH - row0, OW)
    _store_min(out_row, y10, bias, scale, mask_o, t, 1, 0, OH - row0, OW)
    _store_min(out_row, y11, bias, scale, mask_o, t, 1, 1, OH - row0, OW)


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
def _store_min(out_row, y, bias, scale, mask_o, t, i: tl.constexpr, j: tl.constexpr, rows_left, OW):
    z = (y + bias) * scale
    z = tl.where(mask_o[None, :], z, float("inf"))
    col = 2 * t + j
    col_end = tl.where(rows_left > i, OW, 0)  # output row 2tr + i may be past the end
    tl.store(out_row + i * OW + col, tl.min(z, axis=1), mask=col < col_end)


def conv3x3_scale_min(x, weight, bias, scale, BT=64, num_warps=8, num_stages=2):
    x = x.contiguous()
    N, C, H, W = x.shape
    OC, C_w, KH, KW = weight.shape
    if (KH, KW) != (3, 3) or C_w != C:
        raise ValueError(f"winograd F(2x2,3x3) needs a 3x3 kernel over {C} channels, got {tuple(weight.shape)}")
    OH, OW = H - 2, W - 2
    u = torch.empty((16, OC, C), device=x.device, dtype=torch.float32)
    BLOCK = 256
    _winograd_weight_kernel[(triton.cdiv(OC * C, BLOCK),)](weight.contiguous(), u, OC, OC * C, BLOCK=BLOCK)
    out = torch.empty((N, 1, OH, OW), device=x.device, dtype=x.dtype)
    TH, TW = triton.cdiv(OH, 2), triton.cdiv(OW, 2)
    BN = max(16, triton.next_power_of_2(OC))
    BK = min(64, max(16, triton.next_power_of_2(C)))
    BT = min(BT, max(16, triton.next_power_of_2(TW)))
    grid = (triton.cdiv(TW, BT), TH, N)
    _conv3x3_scale_min_winograd_kernel[grid](
        x, u, bias.contiguous(), out, C, H, W, OC, OH, OW, TW, float(scale),
        BT=BT, BK=BK, BN=BN, num_warps=num_warps, num_stages=num_stages)
    return out


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kh, kw))
        self.bias = nn.Parameter(torch.randn(out_channels))
        self.scale_factor = float(scale_factor)

    def forward(self, x):
        return conv3x3_scale_min(x, self.weight, self.bias, self.scale_factor)


@triton.jit
def _sel(i, v0, v1, v2, v3):
    return tl.where(i == 0, v0, tl.where(i == 1, v1, tl.where(i == 2, v2, v3)))


@triton.jit
def _conv3x3_scale_min_winograd_dyn_kernel(
    x_ptr, u_ptr, b_ptr, out_ptr,
    C, H, W, OC, OH, OW, TW, scale,
    BT: tl.constexpr, BK: tl.constexpr, BN: tl.constexpr, STAGES: tl.constexpr,
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
    bias = tl.load(b_ptr + o, mask=mask_o, other=0.0)[None, :]
    out_row = out_ptr + (n * OH + row0) * OW
    _store_min(out_row, y00, bias, scale, mask_o, t, 0, 0, OH - row0, OW)
    _store_min(out_row, y01, bias, scale, mask_o, t, 0, 1, OH - row0, OW)
    _store_min(out_row, y10, bias, scale, mask_o, t, 1, 0, OH - row0, OW)
    _store_min(out_row, y11, bias, scale, mask_o, t, 1, 1, OH - row0, OW)


def conv3x3_scale_min_variant(x, weight, bias, scale, kernel="static", BT=64, BK=64, num_warps=8, num_stages=1):
    x = x.contiguous()
    N, C, H, W = x.shape
    OC = weight.shape[0]
    OH, OW = H - 2, W - 2
    u = torch.empty((16, OC, C), device=x.device, dtype=torch.float32)
    _winograd_weight_kernel[(triton.cdiv(OC * C, 256),)](weight.contiguous(), u, OC, OC * C, BLOCK=256)
    out = torch.empty((N, 1, OH, OW), device=x.device, dtype=x.dtype)
    TH, TW = triton.cdiv(OH, 2), triton.cdiv(OW, 2)
    BN = max(16, triton.next_power_of_2(OC))
    BK = min(BK, max(16, triton.next_power_of_2(C)))
    BT = min(BT, max(16, triton.next_power_of_2(TW)))
    grid = (triton.cdiv(TW, BT), TH, N)
    args = (x, u, bias.contiguous(), out, C, H, W, OC, OH, OW, TW, float(scale))
    if kernel == "static":
        h = _conv3x3_scale_min_winograd_kernel[grid](*args, BT=BT, BK=BK, BN=BN, num_warps=num_warps,
                                                     num_stages=num_stages)
    else:
        h = _conv3x3_scale_min_winograd_dyn_kernel[grid](*args, BT=BT, BK=BK, BN=BN, STAGES=num_stages,
                                                         num_warps=num_warps)
    LAST["kernel"] = h
    return out


LAST: dict = {}  # the last launched CompiledKernel (registers and spills for the benchmark table)
