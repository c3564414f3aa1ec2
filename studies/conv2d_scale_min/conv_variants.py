"""conv2d_scale_min: check and time several Triton implicit-GEMM variants at full size in one go.

    python -m studies.conv2d_scale_min.conv_variants                       # all variants, full shape, table last
    python -m studies.conv2d_scale_min.conv_variants --only T3 G3b --json out.json
    python -m studies.conv2d_scale_min.conv_variants --profile T3          # one warm call, for `ncu -k regex:conv_min`

Each variant computes min_c(scale * (conv2d(x, W) + b)) in ONE kernel (tl.dot, TF32 tensor cores) with
bias, scale and the channel min in the epilogue. Families (all: M = output pixels of one output row,
N = all C_out channels in one block, K = KH*KW*C_in walked as (tap, channel chunk)):

- G  : pointer loads, Triton's own layouts; x tile [BM pixels, BK channels] is pixel-contiguous, so the
       cp.async writes it transposed (4-byte copies) into the K-major shared tile wgmma needs for TF32.
- G3 : the x tile is loaded as [BM//VM, BK, VM] (VM consecutive pixels innermost), which makes the
       coalescer give a warp VM pixels x 32/VM channels; Triton then stages it in a swizzled buffer and
       feeds wgmma A from registers (ldmatrix). Same math as G.
- T  : x through TMA (a [BK, 1, BM] box of the [N*C_in, H, W] view, zero fill past the row end), the
       weight through TMA ([C_out, KH*KW*C_in] re-laid, K contiguous); A is transposed in registers
       (wgmma A from registers). Falls back to G3 where TMA cannot be used (W % 4 != 0, CPU).
       Dies on the H100 with "illegal instruction": the box starts at ow0 + kw, not 16-byte aligned in
       the innermost dimension (the interpreter asserts the same rule).
- N  : x restaged once per call to channels-last [N*H*W, C_pad] by a transpose kernel; then every A tile
       is K-contiguous: 16-byte cp.async (CA: L1-cached, .ca), or TMA boxes [1, BM, BK] whose only
       unaligned coordinate is the pixel one (TMA=True), or a persistent grid (PERSISTENT=True).
       ONLY_TRANSPOSE times the restage alone. The plain N kernel is the one of replies/03_memory.md.

Correctness: against the fp32 reference with TF32 off (the evaluator's rule), evaluator.oracle.correctness.compare
under `tf32` (atol=rtol=1e-3),
on the full shape and on small odd shapes. Timing: evaluator.shared.timing.benchmark (fresh inputs and an L2
flush before every repetition, CUDA events), so numbers match the evaluator's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch  # noqa: E402
import triton  # noqa: E402
import triton.language as tl  # noqa: E402

from evaluator.parent.ncu import DEFAULT_METRICS  # noqa: E402

try:
    from triton.tools.tensor_descriptor import TensorDescriptor  # noqa: E402
except ImportError:  # pragma: no cover
    TensorDescriptor = None


# ----------------------------------------------------------------------------------------------- G
@triton.jit
def conv_min_g(
    x_ptr,
    w_ptr,
    b_ptr,
    out_ptr,
    C_in,
    H,
    W,
    C_out,
    H_out,
    W_out,
    TILES_W,
    scale,
    KH: tl.constexpr,
    KW: tl.constexpr,
    BM: tl.constexpr,
    BN: tl.constexpr,
    BK: tl.constexpr,
    TAP_INNER: tl.constexpr,
    EVEN_K: tl.constexpr,
):
    pid = tl.program_id(0)
    HW = H * W
    row = pid // TILES_W
    ow = (pid % TILES_W) * BM + tl.arange(0, BM)
    n = row // H_out
    oh = row % H_out
    mask_m = ow < W_out
    x_pix = n * C_in * HW + oh * W + ow
    offs_k = tl.arange(0, BK)
    offs_n = tl.arange(0, BN)
    mask_n = offs_n < C_out
    w_col = offs_n * (C_in * KH * KW)  # weight re-laid as [C_out, KH, KW, C_in]
    C_CHUNKS = tl.cdiv(C_in, BK)
    acc = tl.zeros((BM, BN), dtype=tl.float32)
    for it in range(0, KH * KW * C_CHUNKS):
        if TAP_INNER:
            cc = it // (KH * KW)
            tap = it % (KH * KW)
        else:
            tap = it // C_CHUNKS
            cc = it % C_CHUNKS
        kh = tap // KW
        kw = tap % KW
        c = cc * BK + offs_k
        a_ptrs = x_ptr + (x_pix + kh * W + kw)[:, None] + (c * HW)[None, :]
        b_ptrs = w_ptr + (tap * C_in + c)[:, None] + w_col[None, :]
        if EVEN_K:
            a = tl.load(a_ptrs, mask=mask_m[:, None], other=0.0)
            b = tl.load(b_ptrs, mask=mask_n[None, :], other=0.0)
        else:
            a = tl.load(a_ptrs, mask=mask_m[:, None] & (c < C_in)[None, :], other=0.0)
            b = tl.load(b_ptrs, mask=(c < C_in)[:, None] & mask_n[None, :], other=0.0)
        acc = tl.dot(a, b, acc)
    bias = tl.load(b_ptr + offs_n, mask=mask_n, other=0.0)
    y = (acc + bias[None, :]) * scale
    y = tl.where(mask_n[None, :], y, float("inf"))
    tl.store(out_ptr + row * W_out + ow, tl.min(y, axis=1), mask=mask_m)


# ---------------------------------------------------------------------------------------------- G3
@triton.jit
def conv_min_g3(
    x_ptr,
    w_ptr,
    b_ptr,
    out_ptr,
    C_in,
    H,
    W,
    C_out,
    H_out,
    W_out,
    TILES_W,
    scale,
    KH: tl.constexpr,
    KW: tl.constexpr,
    BM: tl.constexpr,
    BN: tl.constexpr,
    BK: tl.constexpr,
    VM: tl.constexpr,
    TAP_INNER: tl.constexpr,
    EVEN_K: tl.constexpr,
):
    pid = tl.program_id(0)
    HW = H * W
    row = pid // TILES_W
    ow0 = (pid % TILES_W) * BM
    n = row // H_out
    oh = row % H_out
    mi = tl.arange(0, BM // VM)
    mj = tl.arange(0, VM)
    offs_k = tl.arange(0, BK)
    ow3 = ow0 + mi[:, None, None] * VM + mj[None, None, :]  # [BM//VM, 1, VM]
    mask3 = ow3 < W_out
    x_pix3 = n * C_in * HW + oh * W + ow3
    offs_n = tl.arange(0, BN)
    mask_n = offs_n < C_out
    w_col = offs_n * (C_in * KH * KW)
    C_CHUNKS = tl.cdiv(C_in, BK)
    acc = tl.zeros((BM, BN), dtype=tl.float32)
    for it in range(0, KH * KW * C_CHUNKS):
        if TAP_INNER:
            cc = it // (KH * KW)
            tap = it % (KH * KW)
        else:
            tap = it // C_CHUNKS
            cc = it % C_CHUNKS
        kh = tap // KW
        kw = tap % KW
        c = cc * BK + offs_k
        a_ptrs = x_ptr + x_pix3 + (kh * W + kw) + (c * HW)[None, :, None]
        b_ptrs = w_ptr + (tap * C_in + c)[:, None] + w_col[None, :]
        if EVEN_K:
            a = tl.load(a_ptrs, mask=mask3, other=0.0)
            b = tl.load(b_ptrs, mask=mask_n[None, :], other=0.0)
        else:
            a = tl.load(a_ptrs, mask=mask3 & (c < C_in)[None, :, None], other=0.0)
            b = tl.load(b_ptrs, mask=(c < C_in)[:, None] & mask_n[None, :], other=0.0)
        a = tl.reshape(tl.permute(a, (0, 2, 1)), (BM, BK))
        acc = tl.dot(a, b, acc)
    bias = tl.load(b_ptr + offs_n, mask=mask_n, other=0.0)
    y = (acc + bias[None, :]) * scale
    y = tl.where(mask_n[None, :], y, float("inf"))
    ow = ow0 + tl.arange(0, BM)
    tl.store(out_ptr + row * W_out + ow, tl.min(y, axis=1), mask=ow < W_out)


# ----------------------------------------------------------------------------------------------- T
@triton.jit
def conv_min_t(
    x_desc,
    w_desc,
    b_ptr,
    out_ptr,
    C_in,
    C_out,
    H_out,
    W_out,
    TILES_W,
    scale,
    KH: tl.constexpr,
    KW: tl.constexpr,
    C_PAD: tl.constexpr,
    BM: tl.constexpr,
    BN: tl.constexpr,
    BK: tl.constexpr,
    TAP_INNER: tl.constexpr,
):
    pid = tl.program_id(0)
    row = pid // TILES_W
    ow0 = (pid % TILES_W) * BM
    n = row // H_out
    oh = row % H_out
    C_CHUNKS: tl.constexpr = C_PAD // BK
    acc = tl.zeros((BM, BN), dtype=tl.float32)
    for it in range(0, KH * KW * C_CHUNKS):
        if TAP_INNER:
            cc = it // (KH * KW)
            tap = it % (KH * KW)
        else:
            tap = it // C_CHUNKS
            cc = it % C_CHUNKS
        kh = tap // KW
        kw = tap % KW
        a = x_desc.load([n * C_in + cc * BK, oh + kh, ow0 + kw])  # [BK, 1, BM]
        a = tl.trans(tl.reshape(a, (BK, BM)))  # [BM, BK]
        b = w_desc.load([0, tap * C_PAD + cc * BK])  # [BN, BK]
        acc = tl.dot(a, tl.trans(b), acc)
    offs_n = tl.arange(0, BN)
    mask_n = offs_n < C_out
    bias = tl.load(b_ptr + offs_n, mask=mask_n, other=0.0)
    y = (acc + bias[None, :]) * scale
    y = tl.where(mask_n[None, :], y, float("inf"))
    ow = ow0 + tl.arange(0, BM)
    tl.store(out_ptr + row * W_out + ow, tl.min(y, axis=1), mask=ow < W_out)


# ------------------------------------------------------------------------------------ N (NHWC)
@triton.jit
def nchw_to_nhwc(x_ptr, y_ptr, C, HW, C_PAD: tl.constexpr, BP: tl.constexpr, CB: tl.constexpr):
    s = tl.program_id(0) * BP + tl.arange(0, BP)
    n = tl.program_id(1)
    c = tl.arange(0, CB)
    ms = s < HW
    v = tl.load(
        x_ptr + n * C * HW + c[:, None] * HW + s[None, :], mask=(c < C)[:, None] & ms[None, :], other=0.0
    )  # [CB, BP], pixels contiguous
    tl.store(
        y_ptr + (n * HW + s)[None, :] * C_PAD + c[:, None], v, mask=(c < C_PAD)[:, None] & ms[None, :]
    )  # channels contiguous


@triton.jit
def conv_min_nhwc(
    xh_ptr,
    w_ptr,
    b_ptr,
    out_ptr,
    H,
    W,
    C_out,
    H_out,
    W_out,
    TILES_W,
    scale,
    KH: tl.constexpr,
    KW: tl.constexpr,
    C_PAD: tl.constexpr,
    BM: tl.constexpr,
    BN: tl.constexpr,
    BK: tl.constexpr,
    CA: tl.constexpr,
):
    # the kernel of replies/03_memory.md (CA=True), with the L1 policy of the A loads as a switch
    pid = tl.program_id(0)
    row = pid // TILES_W
    ow0 = (pid % TILES_W) * BM
    n = row // H_out
    oh = row % H_out
    offs_m = tl.arange(0, BM)
    offs_k = tl.arange(0, BK)
    offs_n = tl.arange(0, BN)
    mask_n = offs_n < C_out
    pix = (n * H + oh) * W + ow0 + offs_m
    w_col = offs_n * (KH * KW * C_PAD)
    C_CHUNKS: tl.constexpr = C_PAD // BK
    acc = tl.zeros((BM, BN), dtype=tl.float32)
    for it in range(0, KH * KW * C_CHUNKS):
        cc = it // (KH * KW)
        tap = it % (KH * KW)
        kh = tap // KW
        kw = tap % KW
        aptr = xh_ptr + (pix + kh * W + kw)[:, None] * C_PAD + (cc * BK + offs_k)[None, :]
        if CA:
            a = tl.load(aptr, cache_modifier=".ca")
        else:
            a = tl.load(aptr)
        b = tl.load(w_ptr + (tap * C_PAD + cc * BK + offs_k)[:, None] + w_col[None, :])
        acc = tl.dot(a, b, acc)
    bias = tl.load(b_ptr + offs_n, mask=mask_n, other=0.0)
    y = (acc + bias[None, :]) * scale
    y = tl.where(mask_n[None, :], y, float("inf"))
    ow = ow0 + offs_m
    tl.store(out_ptr + row * W_out + ow, tl.min(y, axis=1), mask=ow < W_out)


@triton.jit
def conv_min_nhwc_p(
    xh_ptr,
    w_ptr,
    b_ptr,
    out_ptr,
    H,
    W,
    C_out,
    H_out,
    W_out,
    TILES_W,
    NUM_TILES,
    scale,
    KH: tl.constexpr,
    KW: tl.constexpr,
    C_PAD: tl.constexpr,
    BM: tl.constexpr,
    BN: tl.constexpr,
    BK: tl.constexpr,
    CA: tl.constexpr,
    NUM_PROGS: tl.constexpr,
):
    # persistent version: NUM_PROGS programs walk the row tiles; tl.range(flatten=True) lets the
    # pipeliner prefetch the next tile's first K steps during the current tile's last ones
    C_CHUNKS: tl.constexpr = C_PAD // BK
    offs_m = tl.arange(0, BM)
    offs_k = tl.arange(0, BK)
    offs_n = tl.arange(0, BN)
    mask_n = offs_n < C_out
    w_col = offs_n * (KH * KW * C_PAD)
    bias = tl.load(b_ptr + offs_n, mask=mask_n, other=0.0)
    for tile in tl.range(tl.program_id(0), NUM_TILES, NUM_PROGS, flatten=True):
        row = tile // TILES_W
        ow0 = (tile % TILES_W) * BM
        n = row // H_out
        oh = row % H_out
        pix = (n * H + oh) * W + ow0 + offs_m
        acc = tl.zeros((BM, BN), dtype=tl.float32)
        for it in range(0, KH * KW * C_CHUNKS):
            cc = it // (KH * KW)
            tap = it % (KH * KW)
            kh = tap // KW
            kw = tap % KW
            aptr = xh_ptr + (pix + kh * W + kw)[:, None] * C_PAD + (cc * BK + offs_k)[None, :]
            if CA:
                a = tl.load(aptr, cache_modifier=".ca")
            else:
                a = tl.load(aptr)
            b = tl.load(w_ptr + (tap * C_PAD + cc * BK + offs_k)[:, None] + w_col[None, :])
            acc = tl.dot(a, b, acc)
        y = (acc + bias[None, :]) * scale
        y = tl.where(mask_n[None, :], y, float("inf"))
        ow = ow0 + offs_m
        tl.store(out_ptr + row * W_out + ow, tl.min(y, axis=1), mask=ow < W_out)


@triton.jit
def conv_min_nhwc_tma(
    x_desc,
    w_desc,
    b_ptr,
    out_ptr,
    H,
    C_out,
    H_out,
    W_out,
    TILES_W,
    scale,
    KH: tl.constexpr,
    KW: tl.constexpr,
    C_PAD: tl.constexpr,
    BM: tl.constexpr,
    BN: tl.constexpr,
    BK: tl.constexpr,
):
    pid = tl.program_id(0)
    row = pid // TILES_W
    ow0 = (pid % TILES_W) * BM
    n = row // H_out
    oh = row % H_out
    C_CHUNKS: tl.constexpr = C_PAD // BK
    acc = tl.zeros((BM, BN), dtype=tl.float32)
    for it in range(0, KH * KW * C_CHUNKS):
        cc = it // (KH * KW)
        tap = it % (KH * KW)
        kh = tap // KW
        kw = tap % KW
        a = x_desc.load([n * H + oh + kh, ow0 + kw, cc * BK])  # [1, BM, BK], channels contiguous
        b = w_desc.load([0, tap * C_PAD + cc * BK])  # [BN, BK]
        acc = tl.dot(tl.reshape(a, (BM, BK)), tl.trans(b), acc)
    offs_n = tl.arange(0, BN)
    mask_n = offs_n < C_out
    bias = tl.load(b_ptr + offs_n, mask=mask_n, other=0.0)
    y = (acc + bias[None, :]) * scale
    y = tl.where(mask_n[None, :], y, float("inf"))
    ow = ow0 + tl.arange(0, BM)
    tl.store(out_ptr + row * W_out + ow, tl.min(y, axis=1), mask=ow < W_out)


# ----------------------------------------------------------------------------------------- wrappers
def _shapes(x, weight):
    N, C_in, H, W = x.shape
    C_out, _, KH, KW = weight.shape
    return N, C_in, H, W, C_out, KH, KW, H - KH + 1, W - KW + 1


def run_g(x, weight, bias, scale, BM=128, BK=32, TAP_INNER=True, num_warps=8, num_stages=3, VM=None):
    x = x.contiguous()
    N, C_in, H, W, C_out, KH, KW, H_out, W_out = _shapes(x, weight)
    w2 = weight.permute(0, 2, 3, 1).contiguous()
    out = torch.empty((N, 1, H_out, W_out), device=x.device, dtype=x.dtype)
    BN = max(16, triton.next_power_of_2(C_out))
    BK = min(BK, max(16, triton.next_power_of_2(C_in)))
    tiles_w = triton.cdiv(W_out, BM)
    args = (x, w2, bias, out, C_in, H, W, C_out, H_out, W_out, tiles_w, float(scale))
    meta = dict(
        KH=KH,
        KW=KW,
        BM=BM,
        BN=BN,
        BK=BK,
        TAP_INNER=TAP_INNER,
        EVEN_K=C_in % BK == 0,
        num_warps=num_warps,
        num_stages=num_stages,
    )
    if VM is None:
        conv_min_g[(N * H_out * tiles_w,)](*args, **meta)
    else:
        conv_min_g3[(N * H_out * tiles_w,)](*args, VM=VM, **meta)
    return out


def run_g3(x, weight, bias, scale, VM=8, **kw):
    return run_g(x, weight, bias, scale, VM=VM, **kw)


def run_t(x, weight, bias, scale, BM=128, BK=32, TAP_INNER=True, num_warps=8, num_stages=3):
    x = x.contiguous()
    N, C_in, H, W, C_out, KH, KW, H_out, W_out = _shapes(x, weight)
    if TensorDescriptor is None or not x.is_cuda or W % 4 or x.data_ptr() % 16:
        return run_g3(x, weight, bias, scale, BM=BM, BK=BK, num_warps=num_warps, num_stages=num_stages)
    BN = max(16, triton.next_power_of_2(C_out))
    BK = min(BK, max(16, triton.next_power_of_2(C_in)))
    C_pad = triton.cdiv(C_in, BK) * BK
    w2 = torch.zeros((BN, KH * KW, C_pad), device=x.device, dtype=torch.float32)
    w2[:C_out, :, :C_in] = weight.permute(0, 2, 3, 1).reshape(C_out, KH * KW, C_in)
    w2 = w2.view(BN, KH * KW * C_pad)
    out = torch.empty((N, 1, H_out, W_out), device=x.device, dtype=x.dtype)
    x_desc = TensorDescriptor(x, [N * C_in, H, W], [H * W, W, 1], [BK, 1, BM])
    w_desc = TensorDescriptor(w2, [BN, KH * KW * C_pad], [KH * KW * C_pad, 1], [BN, BK])
    tiles_w = triton.cdiv(W_out, BM)
    conv_min_t[(N * H_out * tiles_w,)](
        x_desc,
        w_desc,
        bias,
        out,
        C_in,
        C_out,
        H_out,
        W_out,
        tiles_w,
        float(scale),
        KH=KH,
        KW=KW,
        C_PAD=C_pad,
        BM=BM,
        BN=BN,
        BK=BK,
        TAP_INNER=TAP_INNER,
        num_warps=num_warps,
        num_stages=num_stages,
    )
    return out


def _nhwc(x, C_pad, BM, KW, BP=64):
    N, C_in, H, W = x.shape
    # channels-last copy of x, channels zero-padded to C_pad, plus slack rows for the last tile's overreach
    xh = torch.empty((N * H * W + BM + 2 * KW + W, C_pad), device=x.device, dtype=torch.float32)
    nchw_to_nhwc[(triton.cdiv(H * W, BP), N)](x, xh, C_in, H * W, C_PAD=C_pad, BP=BP, CB=triton.next_power_of_2(C_pad))
    return xh


def _w_padded(weight, BN, C_pad):
    C_out, C_in, KH, KW = weight.shape
    w2 = torch.zeros((BN, KH * KW, C_pad), device=weight.device, dtype=torch.float32)
    w2[:C_out, :, :C_in] = weight.permute(0, 2, 3, 1).reshape(C_out, KH * KW, C_in)
    return w2.view(BN, KH * KW * C_pad)


def run_n(
    x,
    weight,
    bias,
    scale,
    BM=256,
    BK=32,
    num_warps=8,
    num_stages=3,
    PERSISTENT=False,
    CA=True,
    TMA=False,
    ONLY_TRANSPOSE=False,
):
    x = x.contiguous()
    N, C_in, H, W, C_out, KH, KW, H_out, W_out = _shapes(x, weight)
    BN = max(16, triton.next_power_of_2(C_out))
    BK = min(BK, max(16, triton.next_power_of_2(C_in)))
    C_pad = triton.cdiv(C_in, BK) * BK
    xh = _nhwc(x, C_pad, BM, KW)
    out = torch.empty((N, 1, H_out, W_out), device=x.device, dtype=x.dtype)
    if ONLY_TRANSPOSE:
        return out
    w2 = _w_padded(weight, BN, C_pad)
    tiles_w = triton.cdiv(W_out, BM)
    num_tiles = N * H_out * tiles_w
    if TMA:
        x_desc = TensorDescriptor(xh, [N * H, W, C_pad], [W * C_pad, C_pad, 1], [1, BM, BK])
        w_desc = TensorDescriptor(w2, [BN, KH * KW * C_pad], [KH * KW * C_pad, 1], [BN, BK])
        conv_min_nhwc_tma[(num_tiles,)](
            x_desc,
            w_desc,
            bias,
            out,
            H,
            C_out,
            H_out,
            W_out,
            tiles_w,
            float(scale),
            KH=KH,
            KW=KW,
            C_PAD=C_pad,
            BM=BM,
            BN=BN,
            BK=BK,
            num_warps=num_warps,
            num_stages=num_stages,
        )
        return out
    if PERSISTENT:
        progs = min(num_tiles, torch.cuda.get_device_properties(x.device).multi_processor_count if x.is_cuda else 4)
        conv_min_nhwc_p[(progs,)](
            xh,
            w2,
            bias,
            out,
            H,
            W,
            C_out,
            H_out,
            W_out,
            tiles_w,
            num_tiles,
            float(scale),
            KH=KH,
            KW=KW,
            C_PAD=C_pad,
            BM=BM,
            BN=BN,
            BK=BK,
            CA=CA,
            NUM_PROGS=progs,
            num_warps=num_warps,
            num_stages=num_stages,
        )
    else:
        conv_min_nhwc[(num_tiles,)](
            xh,
            w2,
            bias,
            out,
            H,
            W,
            C_out,
            H_out,
            W_out,
            tiles_w,
            float(scale),
            KH=KH,
            KW=KW,
            C_PAD=C_pad,
            BM=BM,
            BN=BN,
            BK=BK,
            CA=CA,
            num_warps=num_warps,
            num_stages=num_stages,
        )
    return out


FAMILIES = {"G": run_g, "G3": run_g3, "T": run_t, "N": run_n}

# name: (family, kwargs). The loop's replies are drawn from these.
# Call 1 (H100, 2026 session): G256 3.38 ms, G3_256 3.56, G 3.62, G3 3.65, G3s4 3.65, G3c 3.74, G3k64 4.43;
# every T variant died with "illegal instruction" (TMA box start not 16-byte aligned in the innermost dim:
# ow0 + kw), and the error is sticky, so T variants are no longer in the default list.
VARIANTS = {
    "G256": ("G", dict(BM=256, BK=32, num_warps=8, num_stages=3)),
    "Ntr": ("N", dict(BM=256, BK=32, ONLY_TRANSPOSE=True)),
    "N": ("N", dict(BM=256, BK=32, num_warps=8, num_stages=3, CA=True)),
    "Ncg": ("N", dict(BM=256, BK=32, num_warps=8, num_stages=3, CA=False)),
    "Ns4": ("N", dict(BM=256, BK=32, num_warps=8, num_stages=4, CA=True)),
    "Np": ("N", dict(BM=256, BK=32, num_warps=8, num_stages=3, CA=True, PERSISTENT=True)),
    "NT": ("N", dict(BM=256, BK=32, num_warps=8, num_stages=3, TMA=True)),
    "NTs4": ("N", dict(BM=256, BK=32, num_warps=8, num_stages=4, TMA=True)),
}
OLD_VARIANTS = {
    "G": ("G", dict(BM=128, BK=32, num_warps=8, num_stages=3)),
    "G3": ("G3", dict(BM=128, BK=32, VM=8, num_warps=8, num_stages=3)),
    "G3_256": ("G3", dict(BM=256, BK=32, VM=8, num_warps=16, num_stages=3)),
    "T": ("T", dict(BM=128, BK=32, num_warps=8, num_stages=3)),
    "T256w16": ("T", dict(BM=256, BK=32, num_warps=16, num_stages=3)),
}


# every stage's metrics (prompts/stages.json) plus what explains a tensor-core conv: for `ncu --metrics`
NCU_METRICS = DEFAULT_METRICS + [  # the seed's five (evaluator.parent.ncu), then what this study looked at
    "launch__block_size",
    "launch__registers_per_thread",
    "launch__occupancy_limit_registers",
    "launch__occupancy_limit_shared_mem",
    "launch__occupancy_limit_warps",
    "sm__maximum_warps_per_active_cycle_pct",
    "smsp__sass_inst_executed_op_local_ld.sum",
    "smsp__sass_inst_executed_op_local_st.sum",
    "dram__bytes_read.sum",
    "dram__bytes_write.sum",
    "smsp__sass_average_data_bytes_per_sector_mem_global_op_ld.pct",
    "smsp__sass_average_data_bytes_per_sector_mem_global_op_st.pct",
    "smsp__warp_issue_stalled_long_scoreboard_per_warp_active.pct",
    "sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active",
    "launch__shared_mem_per_block_dynamic",
    "gpu__time_duration.sum",
    "launch__waves_per_multiprocessor",
    "sm__pipe_tensor_op_gmma_cycles_active.avg.pct_of_peak_sustained_active",
    "lts__t_bytes.sum",
    "lts__throughput.avg.pct_of_peak_sustained_elapsed",
    "l1tex__throughput.avg.pct_of_peak_sustained_active",
    "l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum",
    "l1tex__data_pipe_lsu_wavefronts_mem_shared.sum",
    "l1tex__t_sector_hit_rate.pct",
    "smsp__warp_issue_stalled_short_scoreboard_per_warp_active.pct",
    "smsp__warp_issue_stalled_barrier_per_warp_active.pct",
    "smsp__warp_issue_stalled_wait_per_warp_active.pct",
    "smsp__warp_issue_stalled_mio_throttle_per_warp_active.pct",
    "smsp__warp_issue_stalled_lg_throttle_per_warp_active.pct",
    "smsp__warp_issue_stalled_math_pipe_throttle_per_warp_active.pct",
    "sm__cycles_elapsed.avg.per_second",
]


def call(name, x, weight, bias, scale):
    fam, kw = VARIANTS.get(name) or OLD_VARIANTS[name]
    return FAMILIES[fam](x, weight, bias, scale, **kw)


# ------------------------------------------------------------------------------------------- driver
@torch.no_grad()
def reference(model, x):
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        return model(x)
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def check(out, ref):
    """The evaluator's own comparison under the `tf32` policy: (ok, max abs err)."""
    from evaluator.oracle.correctness import compare
    from evaluator.shared.precision import get_policy

    r = compare(ref, out, get_policy("tf32"))
    return r["ok"], r.get("max_abs_err", float("inf"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", help="variant names (default: all)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--profile", help="run this variant: 2 warm-up calls, then 1 call (for ncu)")
    ap.add_argument("--target-ms", type=float, default=100.0)
    ap.add_argument("--ncu-metrics", action="store_true", help="print NCU_METRICS comma-separated and exit")
    args = ap.parse_args()
    if args.ncu_metrics:
        print(",".join(NCU_METRICS))
        return 0
    from evaluator.shared.loader import load_problem
    from evaluator.shared.problem import import_file

    problem = import_file(load_problem("conv2d_scale_min").path, "_conv2d_scale_min")

    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(0)
    init = problem.get_init_inputs()
    model = problem.Model(*init).to(dev).eval()
    w, b, scale = model.conv.weight.detach(), model.conv.bias.detach(), model.scale_factor
    shape = (problem.batch_size, problem.in_channels, problem.height, problem.width)
    if args.profile:
        x = torch.rand(*shape, device=dev)
        for _ in range(3):
            call(args.profile, x, w, b, scale)
        torch.cuda.synchronize()
        print(f"profiled {args.profile}")
        return 0

    from evaluator.shared.timing import benchmark

    names = args.only or list(VARIANTS)
    x = torch.rand(*shape, device=dev)
    ref = reference(model, x)
    # odd shapes (odd channel counts, rows not a multiple of the block; W % 4 == 0 and != 0)
    odd = []
    for cin, cout, k, s, shp in [
        (5, 61, 3, 2.0, (3, 5, 37, 45)),
        (5, 61, 3, 2.0, (3, 5, 36, 44)),
        (3, 7, 3, -0.5, (1, 3, 11, 20)),
    ]:
        m = problem.Model(cin, cout, k, s).to(dev).eval()
        xo = torch.rand(*shp, device=dev)
        odd.append((m, xo, reference(m, xo)))
    make = lambda: [torch.rand(*shape, device=dev)]  # noqa: E731 - fresh inputs per rep, like the evaluator
    rows = []
    eager = benchmark(model, make, target_ms=args.target_ms)
    print(f"eager (default TF32 policy): {eager['median_ms']:.3f} ms", flush=True)
    for name in names:
        fam, kw = VARIANTS.get(name) or OLD_VARIANTS[name]
        row = {"variant": name, "family": fam, **{k: v for k, v in kw.items()}}
        try:
            t0 = time.perf_counter()
            out = call(name, x, w, b, scale)
            torch.cuda.synchronize()
            row["first_call_s"] = round(time.perf_counter() - t0, 2)
            row["ok"], row["max_abs_err"] = check(out, ref)
            for m, xo, r in odd:
                ok, e = check(call(name, xo, m.conv.weight.detach(), m.conv.bias.detach(), m.scale_factor), r)
                row["ok"] &= ok
                row["odd_err"] = max(row.get("odd_err", 0.0), e)
            st = benchmark(lambda xx: call(name, xx, w, b, scale), make, target_ms=args.target_ms)
            row.update(median_ms=st["median_ms"], iqr_ms=st["iqr_ms"], reps=st["reps"])
            row["vs_eager"] = eager["median_ms"] / st["median_ms"]
        except Exception as e:  # noqa: BLE001 - report and go on
            row["error"] = f"{type(e).__name__}: {str(e)[:300]}"
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"eager": eager, "rows": rows}, indent=1))
    print(f"\n{'variant':10} {'ok':>5} {'median ms':>10} {'IQR':>7} {'max err':>9} {'odd err':>9}  config")
    for r in sorted(rows, key=lambda r: r.get("median_ms", 1e9)):
        cfg = {k: v for k, v in r.items() if k in ("BM", "BK", "VM", "num_warps", "num_stages", "TAP_INNER")}
        if "error" in r:
            print(f"{r['variant']:10} ERROR {r['error'][:100]}")
        else:
            print(
                f"{r['variant']:10} {str(r['ok']):>5} {r['median_ms']:10.3f} {r['iqr_ms']:7.3f} "
                f"{r['max_abs_err']:9.2e} {r['odd_err']:9.2e}  {r['family']} {cfg}"
            )
    print(f"eager {eager['median_ms']:.3f} ms; torch.compile (evaluator, earlier) 3.18 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
