"""Winograd F(2,3) along the width for #32 (conv 3x3 -> scale -> min over channels), warp-specialised Gluon on
Hopper (issue 26, item 3: below 1.45 ms on one H200 needs fewer multiplications than the direct conv's).

    from studies.conv2d_scale_min.gluon_winograd import conv_scale_min_f23
    out = conv_scale_min_f23(x, weight, bias, 2.0)          # CUDA, sm_90; 3x3 kernels, stride 1, no padding

The math, per output row oh, output pixel pair (2t, 2t+1) and output channel co:

    y[2t]   = M0 + M1 + M2          M_j[t, co] = sum over kh, c of V_j[oh+kh][t, c] * U_j[kh][c, co]
    y[2t+1] = M1 - M2 - M3
    V (input row r, pixels d_i = x[r, 2t+i]):  V0 = d0 - d2, V1 = d1 + d2, V2 = d2 - d1, V3 = d1 - d3
    U (weight row kh, taps g_k = w[co, c, kh, k]):  U0 = g0, U1 = (g0+g1+g2)/2, U2 = (g0-g1+g2)/2, U3 = g2

12 K-steps of 32 channels per pixel pair instead of the direct conv's 18: 1.5x fewer multiplications.
V and U are rounded to TF32 (nearest) before the tensor cores, which would truncate: a CPU emulation on the
problem's inputs puts the error at 0.33 of the tf32 policy's floor (direct TF32 with truncation: 0.70).

The pipeline is the promoted H200 kernel's (kernels/conv2d_scale_min/best/nvidia-h200.py), with the input
transform moved into its restage: a 4-warp restager turns each input row the CTA needs into V rows (a
[4, T, C] block of global scratch, one row ahead of use, L2-hot), a 1-warp loader streams V and U tiles
by TMA, and two consumer warpgroups (64 tiles = 128 output pixels each, all 128 channels) run the
j-steps in the order 1, 2, 0, 3 so that only two [64, 128] accumulators are ever live:

    Y1 = M1;  Y0 = M2;  Y1 -= Y0;  Y0 = 2 Y0 + Y1;  Y0 += M0;  Y1 += V3 @ (-U3)   (U3 stored negated)

Status: correct on the GPU (one H100, 2026-12-05: within 5.3e-6 of `emulate` on five shapes, 9.3e-4 of
fp64 at full size) but slow: 4.3-4.9 ms at full size against the direct kernels' 2.6 ms on that H100. The
4-warp restager is latency-bound, and the V scratch's DRAM round trip alone (at least 5.3 GB) is about 1.33 ms
on an H200. See GLUON_NOTES.md, "First GPU run of the F(2,3) kernel". It compiles for sm_90 with Triton 3.6
(`compile_sm90.py --winograd`: 208 KB of shared memory, 16 bytes of spill), and `emulate` checks its
dataflow on the CPU (tests/test_winograd.py).
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.hopper import mbarrier, tma, warpgroup_mma, warpgroup_mma_wait
from triton.experimental.gluon.nvidia.hopper import TensorDescriptor


@triton.jit
def _round_tf32(v):
    # round to nearest (ties away) onto TF32's 10-bit mantissa: half a TF32 ulp added, 13 low bits cleared
    return ((v.to(tl.int32, bitcast=True) + 0x1000) & -8192).to(tl.float32, bitcast=True)


@triton.jit
def _weight_transform_kernel(w_ptr, u_ptr, C_in, C_out, C_PAD, BN: tl.constexpr, BLOCK: tl.constexpr):
    # u[(j * 3 + kh) * BN + co, c] = U_j[kh][c, co], TF32-rounded, U3 negated; zero where co or c is padding.
    i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)  # i = co * C_PAD + c
    co = i // C_PAD
    c = i % C_PAD
    inside = i < BN * C_PAD
    real = inside & (co < C_out) & (c < C_in)
    for kh in tl.static_range(3):
        g = w_ptr + ((co * C_in + c) * 3 + kh) * 3
        g0 = tl.load(g, mask=real, other=0.0)
        g1 = tl.load(g + 1, mask=real, other=0.0)
        g2 = tl.load(g + 2, mask=real, other=0.0)
        row = u_ptr + (kh * BN + co) * C_PAD + c
        tl.store(row, _round_tf32(g0), mask=inside)
        tl.store(row + 3 * BN * C_PAD, _round_tf32((g0 + g1 + g2) * 0.5), mask=inside)
        tl.store(row + 6 * BN * C_PAD, _round_tf32((g0 - g1 + g2) * 0.5), mask=inside)
        tl.store(row + 9 * BN * C_PAD, _round_tf32(-g2), mask=inside)


@gluon.jit
def _round_tf32_g(v):
    return ((v.to(gl.int32, bitcast=True) + 0x1000) & -8192).to(gl.float32, bitcast=True)


@gluon.jit
def _row_range(num_rows):
    # Output rows [t0, t1) of this CTA (a contiguous range: their input rows are contiguous too).
    pid = gl.program_id(0)
    nprog = gl.num_programs(0)
    return (pid * num_rows) // nprog, ((pid + 1) * num_rows) // nprog


@gluon.jit
def _restager(
    x_ptr, v_ptr, row_ready, C_in, H, W, H_out, T, num_rows, C_PAD: gl.constexpr, CB: gl.constexpr, TP: gl.constexpr
):
    # 4 warps. Each input row r = n*H + h that this CTA's output rows need becomes V[r, j, t, c] (j = 0..3,
    # t < T, c < C_PAD; padded channels 0), then one arrive on row_ready. Rows needed: R0(t0) .. R0(t1-1) + 2.
    ld_layout: gl.constexpr = gl.BlockedLayout([1, 1], [2, 16], [4, 1], [1, 0])  # lanes along tiles
    st_layout: gl.constexpr = gl.BlockedLayout([4, 1], [8, 4], [1, 4], [0, 1])  # 16-byte stores along channels
    t0, t1 = _row_range(num_rows)
    r_first = (t0 // H_out) * H + t0 % H_out
    r_last = ((t1 - 1) // H_out) * H + (t1 - 1) % H_out + 2
    c_ld = gl.arange(0, CB, layout=gl.SliceLayout(1, ld_layout))
    p_ld = gl.arange(0, TP, layout=gl.SliceLayout(0, ld_layout))
    c_st = gl.arange(0, CB, layout=gl.SliceLayout(1, st_layout))
    p_st = gl.arange(0, TP, layout=gl.SliceLayout(0, st_layout))
    HW = H * W
    for j in range(r_last - r_first + 1):
        r = r_first + j
        n = r // H
        h = r % H
        src = x_ptr + n * C_in * HW + h * W + c_ld[:, None] * HW
        dst = v_ptr + r * (4 * T * C_PAD) + c_st[:, None]
        cm = (c_ld < C_in)[:, None]
        for tp0 in range(0, T, TP):
            px = 2 * (tp0 + p_ld)[None, :]  # pixel 2t of each tile
            # x is read once: keep L2 for the V rows
            d1 = gl.load(src + px + 1, mask=cm & (px + 1 < W), other=0.0, eviction_policy="evict_first")
            d2 = gl.load(src + px + 2, mask=cm & (px + 2 < W), other=0.0, eviction_policy="evict_first")
            ts = tp0 + p_st
            sm = (c_st < C_PAD)[:, None] & (ts < T)[None, :]
            out = dst + ts[None, :] * C_PAD
            gl.store(out + T * C_PAD, gl.convert_layout(_round_tf32_g(d1 + d2), st_layout), mask=sm)
            gl.store(out + 2 * T * C_PAD, gl.convert_layout(_round_tf32_g(d2 - d1), st_layout), mask=sm)
            d0 = gl.load(src + px, mask=cm & (px < W), other=0.0, eviction_policy="evict_first")
            gl.store(out, gl.convert_layout(_round_tf32_g(d0 - d2), st_layout), mask=sm)
            d3 = gl.load(src + px + 3, mask=cm & (px + 3 < W), other=0.0, eviction_policy="evict_first")
            gl.store(out + 3 * T * C_PAD, gl.convert_layout(_round_tf32_g(d1 - d3), st_layout), mask=sm)
        # Generic-proxy stores -> async-proxy (TMA) reads: fence in every thread, then sync the partition.
        gl.inline_asm_elementwise(
            "fence.proxy.async.global; mov.b32 $0, 0;", "=r", [], dtype=gl.int32, is_pure=False, pack=1
        )
        gl.thread_barrier()
        mbarrier.arrive(row_ready.index(j), count=1)


@gluon.jit
def _load_j(
    v_desc,
    u_desc,
    a_bufs,
    b_bufs,
    ready,
    empty,
    it,
    r0,
    tt0,
    J: gl.constexpr,
    C_CHUNKS: gl.constexpr,
    BM: gl.constexpr,
    BN: gl.constexpr,
    BK: gl.constexpr,
    STAGES: gl.constexpr,
):
    # The 3 x C_CHUNKS K-steps of M_J for the unit at tiles [tt0, tt0 + 2 BM): two V tiles (one per
    # warpgroup) and one U tile per step. Tiles past T are zero-filled by TMA and only feed masked outputs.
    STEP_BYTES: gl.constexpr = 2 * v_desc.block_type.nbytes + u_desc.block_type.nbytes
    for step in range(3 * C_CHUNKS):
        kh = step // C_CHUNKS
        cc = step % C_CHUNKS
        s = it % STAGES
        mbarrier.wait(empty.index(s), ((it // STAGES) & 1) ^ 1)  # a fresh barrier: parity 1 passes
        bar = ready.index(s)
        mbarrier.expect(bar, STEP_BYTES)
        tma.async_copy_global_to_shared(v_desc, [r0 + kh, J, tt0, cc * BK], bar, a_bufs.index(2 * s))
        tma.async_copy_global_to_shared(v_desc, [r0 + kh, J, tt0 + BM, cc * BK], bar, a_bufs.index(2 * s + 1))
        tma.async_copy_global_to_shared(u_desc, [(J * 3 + kh) * BN, cc * BK], bar, b_bufs.index(s))
        it += 1
    return it


@gluon.jit
def _loader(
    v_desc,
    u_desc,
    a_bufs,
    b_bufs,
    ready,
    empty,
    row_ready,
    H,
    H_out,
    TILES_W,
    num_rows,
    C_PAD: gl.constexpr,
    BM: gl.constexpr,
    BN: gl.constexpr,
    BK: gl.constexpr,
    STAGES: gl.constexpr,
):
    # 1 warp: for each output row, wait until its last input row's V is written, then stream the j-steps
    # in the consumers' order 1, 2, 0, 3.
    C_CHUNKS: gl.constexpr = C_PAD // BK
    t0, t1 = _row_range(num_rows)
    r_first = (t0 // H_out) * H + t0 % H_out
    it = 0
    for t in range(t0, t1):
        r0 = (t // H_out) * H + t % H_out  # input row of kh = 0
        mbarrier.wait(row_ready.index(r0 + 2 - r_first), 0)  # rows are restaged in order
        for tw in range(TILES_W):
            tt0 = tw * (2 * BM)
            it = _load_j(v_desc, u_desc, a_bufs, b_bufs, ready, empty, it, r0, tt0, 1, C_CHUNKS, BM, BN, BK, STAGES)
            it = _load_j(v_desc, u_desc, a_bufs, b_bufs, ready, empty, it, r0, tt0, 2, C_CHUNKS, BM, BN, BK, STAGES)
            it = _load_j(v_desc, u_desc, a_bufs, b_bufs, ready, empty, it, r0, tt0, 0, C_CHUNKS, BM, BN, BK, STAGES)
            it = _load_j(v_desc, u_desc, a_bufs, b_bufs, ready, empty, it, r0, tt0, 3, C_CHUNKS, BM, BN, BK, STAGES)


@gluon.jit
def _k_loop(
    a_bufs,
    b_bufs,
    ready,
    empty,
    acc,
    it,
    WG: gl.constexpr,
    NSTEPS: gl.constexpr,
    ACCUMULATE: gl.constexpr,
    BM: gl.constexpr,
    BK: gl.constexpr,
    STAGES: gl.constexpr,
):
    # acc (+)= sum over NSTEPS slots of V[BM tiles, BK] @ U[BN, BK]^T (both K-major in shared memory: the TF32
    # rule); each slot released once the wgmma that read it retired.
    for step in range(NSTEPS):
        s = it % STAGES
        mbarrier.wait(ready.index(s), (it // STAGES) & 1)
        acc = warpgroup_mma(
            a_bufs.index(2 * s + WG).reshape([BM, BK]),
            b_bufs.index(s).permute((1, 0)),
            acc,
            use_acc=(step > 0) | ACCUMULATE,
            is_async=True,
        )
        acc = warpgroup_mma_wait(num_outstanding=1, deps=(acc,))  # the previous step's slot is free
        mbarrier.arrive(empty.index((it + STAGES - 1) % STAGES), count=1, pred=step > 0)
        it += 1
    acc = warpgroup_mma_wait(num_outstanding=0, deps=(acc,))
    mbarrier.arrive(empty.index((it + STAGES - 1) % STAGES), count=1)
    return acc, it


@gluon.jit
def _consumer(
    a_bufs,
    b_bufs,
    ready,
    empty,
    bias_s,
    pad_s,
    out_ptr,
    H_out,
    W_out,
    TILES_W,
    num_rows,
    scale,
    WG: gl.constexpr,
    C_PAD: gl.constexpr,
    BM: gl.constexpr,
    BN: gl.constexpr,
    BK: gl.constexpr,
    STAGES: gl.constexpr,
):
    # One warpgroup: tiles [tt0 + WG*BM, tt0 + (WG+1)*BM) of each unit (2*BM output pixels), all BN channels.
    NSTEPS: gl.constexpr = 3 * (C_PAD // BK)
    acc_layout: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, BN, 8])
    offs_m = gl.arange(0, BM, layout=gl.SliceLayout(1, acc_layout))
    t0, t1 = _row_range(num_rows)
    # The two accumulators are made once and carried through every unit: a fresh gl.zeros per unit would be
    # a third 64-register tile, spilled (ptxas kept it live across the loop). A K loop that starts a sum
    # ignores what its accumulator held (use_acc=False on its first step).
    y0 = gl.zeros([BM, BN], gl.float32, acc_layout)
    y1 = gl.zeros([BM, BN], gl.float32, acc_layout)
    it = 0
    for t in range(t0, t1):
        for tw in range(TILES_W):
            tt0 = tw * (2 * BM) + WG * BM
            y1, it = _k_loop(a_bufs, b_bufs, ready, empty, y1, it, WG, NSTEPS, False, BM, BK, STAGES)  # M1
            y0, it = _k_loop(a_bufs, b_bufs, ready, empty, y0, it, WG, NSTEPS, False, BM, BK, STAGES)  # M2
            # (y0, y1) = (M1 + M2, M1 - M2), each step in place (a simultaneous swap would hold three tiles)
            y1 = y1 - y0
            y0 = y0 * 2.0 + y1
            y0, it = _k_loop(a_bufs, b_bufs, ready, empty, y0, it, WG, NSTEPS, True, BM, BK, STAGES)  # += M0
            y1, it = _k_loop(a_bufs, b_bufs, ready, empty, y1, it, WG, NSTEPS, True, BM, BK, STAGES)  # -= M3
            # Epilogue: bias, scale, min over channels (registers and 4 lanes); outputs 2t and 2t+1. Bias and pad
            # are read from shared memory here, per unit: held through the K loops beside two accumulators
            # (64 more registers, and their column indices) they did not fit the consumer's 200 (ptxas spilled).
            bias = bias_s.load(gl.SliceLayout(0, acc_layout))
            pad_n = pad_s.load(gl.SliceLayout(0, acc_layout))  # +inf for padded channels: they never win the min
            ow = 2 * (tt0 + offs_m)
            row = out_ptr + t * W_out + ow
            gl.store(row, gl.min((y0 + bias[None, :]) * scale + pad_n[None, :], axis=1), mask=ow < W_out)
            gl.store(row + 1, gl.min((y1 + bias[None, :]) * scale + pad_n[None, :], axis=1), mask=ow + 1 < W_out)


@gluon.jit
def _conv_scale_min_f23_kernel(
    x_ptr,
    v_ptr,
    v_desc,
    u_desc,
    b_ptr,
    out_ptr,
    C_in,
    H,
    W,
    C_out,
    H_out,
    W_out,
    T,
    TILES_W,
    num_rows,
    scale,
    C_PAD: gl.constexpr,
    CB: gl.constexpr,
    BM: gl.constexpr,
    BN: gl.constexpr,
    BK: gl.constexpr,
    STAGES: gl.constexpr,
    MAX_ROWS: gl.constexpr,
    TP: gl.constexpr,
    CONSUMER_REGS: gl.constexpr,
    RESTAGE_REGS: gl.constexpr,
):
    a_bufs = gl.allocate_shared_memory(gl.float32, [2 * STAGES] + v_desc.block_type.shape, v_desc.layout)
    b_bufs = gl.allocate_shared_memory(gl.float32, [STAGES] + u_desc.block_type.shape, u_desc.layout)
    ready = gl.allocate_shared_memory(gl.int64, [STAGES, 1], mbarrier.MBarrierLayout())
    empty = gl.allocate_shared_memory(gl.int64, [STAGES, 1], mbarrier.MBarrierLayout())
    row_ready = gl.allocate_shared_memory(gl.int64, [MAX_ROWS, 1], mbarrier.MBarrierLayout())
    for i in gl.static_range(STAGES):
        mbarrier.init(ready.index(i), count=1)  # the loader's expect; TMA bytes complete the phase
        mbarrier.init(empty.index(i), count=2)  # one arrive per consumer warpgroup
    for i in range(MAX_ROWS):
        mbarrier.init(row_ready.index(i), count=1)  # one arrive per transformed input row (used once)
    vec_layout: gl.constexpr = gl.BlockedLayout([1], [32], [4], [0])
    vec_smem: gl.constexpr = gl.SwizzledSharedLayout(1, 1, 1, order=[0])
    offs_n = gl.arange(0, BN, layout=vec_layout)
    bias_s = gl.allocate_shared_memory(gl.float32, [BN], vec_smem)
    bias_s.store(gl.load(b_ptr + offs_n, mask=offs_n < C_out, other=0.0))
    pad_s = gl.allocate_shared_memory(gl.float32, [BN], vec_smem)
    pad_s.store(gl.where(offs_n < C_out, 0.0, float("inf")))
    gl.warp_specialize(
        [
            (
                _consumer,  # warpgroup 0: tiles 0 * BM .. of each unit
                (
                    a_bufs,
                    b_bufs,
                    ready,
                    empty,
                    bias_s,
                    pad_s,
                    out_ptr,
                    H_out,
                    W_out,
                    TILES_W,
                    num_rows,
                    scale,
                    0,
                    C_PAD,
                    BM,
                    BN,
                    BK,
                    STAGES,
                ),
            ),
            (
                _consumer,  # warpgroup 1: tiles 1 * BM .. of each unit
                (
                    a_bufs,
                    b_bufs,
                    ready,
                    empty,
                    bias_s,
                    pad_s,
                    out_ptr,
                    H_out,
                    W_out,
                    TILES_W,
                    num_rows,
                    scale,
                    1,
                    C_PAD,
                    BM,
                    BN,
                    BK,
                    STAGES,
                ),
            ),
            (
                _loader,
                (
                    v_desc,
                    u_desc,
                    a_bufs,
                    b_bufs,
                    ready,
                    empty,
                    row_ready,
                    H,
                    H_out,
                    TILES_W,
                    num_rows,
                    C_PAD,
                    BM,
                    BN,
                    BK,
                    STAGES,
                ),
            ),
            (_restager, (x_ptr, v_ptr, row_ready, C_in, H, W, H_out, T, num_rows, C_PAD, CB, TP)),
        ],
        [4, 1, 4],
        [CONSUMER_REGS, 24, RESTAGE_REGS],
    )


def transform_weights(weight: torch.Tensor, BN: int, C_pad: int) -> torch.Tensor:
    """U for every (j, kh) as one K-contiguous [12 * BN, C_pad] matrix (the loader's B operand)."""
    C_out, C_in = weight.shape[:2]
    u = torch.empty((12 * BN, C_pad), device=weight.device, dtype=torch.float32)
    BLOCK = 256
    _weight_transform_kernel[(triton.cdiv(BN * C_pad, BLOCK),)](
        weight.contiguous(), u, C_in, C_out, C_pad, BN=BN, BLOCK=BLOCK
    )
    return u


def sizes(C_in: int, C_out: int, W: int, BK: int = 32) -> tuple[int, int, int, int]:
    """(BN, BK, C_pad, T): output channels padded to a power of two (16 at least), the K tile shrunk to
    small inputs, input channels padded to whole K tiles, and output pixel pairs per row."""
    BN = max(16, triton.next_power_of_2(C_out))
    BK = min(BK, max(8, triton.next_power_of_2(C_in)))
    C_pad = triton.cdiv(C_in, BK) * BK  # row strides stay multiples of 16 bytes (TMA rule)
    return BN, BK, C_pad, triton.cdiv(W - 2, 2)


def prepare(x: torch.Tensor, weight: torch.Tensor, BM: int = 64, BK: int = 32):
    """V scratch and its descriptor, U (transformed weights) and its descriptor, and the constexprs."""
    N, C_in, H, W = x.shape
    BN, BK, C_pad, T = sizes(C_in, weight.shape[0], W, BK)
    v = torch.empty((N * H, 4, T, C_pad), device=x.device, dtype=torch.float32)
    v_layout = gl.NVMMASharedLayout.get_default_for([1, 1, BM, BK], gl.float32)
    v_desc = TensorDescriptor(v, list(v.shape), list(v.stride()), [1, 1, BM, BK], v_layout)
    u = transform_weights(weight, BN, C_pad)
    u_layout = gl.NVMMASharedLayout.get_default_for([BN, BK], gl.float32)
    u_desc = TensorDescriptor(u, list(u.shape), list(u.stride()), [BN, BK], u_layout)
    meta = dict(C_PAD=C_pad, CB=triton.next_power_of_2(C_pad), BM=BM, BN=BN, BK=BK)
    return v, v_desc, u, u_desc, T, meta


def conv_scale_min_f23(
    x,
    weight,
    bias,
    scale,
    BM=64,
    BK=32,
    STAGES=6,
    CONSUMER_REGS=200,
    RESTAGE_REGS=88,
    TP=16,
    num_ctas=None,
    MAX_ROWS=256,
    keep=None,
):
    """Launch the weight transform, then the warp-specialised Winograd conv (one CTA per SM, each over a
    contiguous range of output rows). `keep`: a dict that receives the V scratch and U (check()'s diagnosis)."""
    assert weight.shape[2:] == (3, 3), "F(2,3) here is for 3x3 kernels"
    x = x.contiguous()
    N, C_in, H, W = x.shape
    C_out = weight.shape[0]
    H_out, W_out = H - 2, W - 2
    v, v_desc, u, u_desc, T, meta = prepare(x, weight, BM, BK)
    if keep is not None:
        keep.update(v=v, u=u)
    out = torch.empty((N, 1, H_out, W_out), device=x.device, dtype=x.dtype)
    num_rows = N * H_out
    if num_ctas is None:
        num_ctas = torch.cuda.get_device_properties(x.device).multi_processor_count
    while True:  # a CTA transforms its rows' input rows, one barrier each: rows + 2 per image it touches
        per_cta = triton.cdiv(num_rows, num_ctas)
        if per_cta + 2 * (per_cta // H_out + 2) <= MAX_ROWS:
            break
        num_ctas += 1
    grid = (min(num_ctas, num_rows),)
    _conv_scale_min_f23_kernel[grid](
        x,
        v,
        v_desc,
        u_desc,
        bias.contiguous(),
        out,
        C_in,
        H,
        W,
        C_out,
        H_out,
        W_out,
        T,
        triton.cdiv(T, 2 * BM),
        num_rows,
        float(scale),
        STAGES=STAGES,
        MAX_ROWS=MAX_ROWS,
        TP=TP,
        CONSUMER_REGS=CONSUMER_REGS,
        RESTAGE_REGS=RESTAGE_REGS,
        num_warps=4,
        **meta,
    )
    return out


def _rnd(t: torch.Tensor) -> torch.Tensor:  # _round_tf32 in PyTorch
    return ((t.view(torch.int32) + 0x1000) & -8192).view(torch.float32)


def emulate_v(x: torch.Tensor, C_pad: int, T: int) -> torch.Tensor:
    """The restager's V scratch, [N*H, 4, T, C_pad], TF32-rounded."""
    N, C_in, H, W = x.shape
    xp = torch.zeros(N, C_pad, H, 2 * T + 2, device=x.device)
    xp[:, :C_in, :, : min(W, 2 * T + 2)] = x[..., : 2 * T + 2]
    d = [xp[..., i : i + 2 * T : 2] for i in range(4)]  # [N, C_pad, H, T]
    vs = [d[0] - d[2], d[1] + d[2], d[2] - d[1], d[1] - d[3]]
    return _rnd(torch.stack(vs, 2).permute(0, 3, 2, 4, 1).reshape(N * H, 4, T, C_pad).contiguous())


def emulate_u(weight: torch.Tensor, BN: int, C_pad: int) -> torch.Tensor:
    """transform_weights' U, [12 * BN, C_pad], TF32-rounded, U3 negated."""
    C_out, C_in = weight.shape[:2]
    g = torch.zeros(BN, C_pad, 3, 3, device=weight.device)
    g[:C_out, :C_in] = weight
    g0, g1, g2 = g[..., 0], g[..., 1], g[..., 2]  # [BN, C_pad, 3 (kh)]
    us = [g0, (g0 + g1 + g2) * 0.5, (g0 - g1 + g2) * 0.5, -g2]
    return _rnd(torch.stack(us, 0).permute(0, 3, 1, 2).reshape(12 * BN, C_pad).contiguous())


def emulate(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, scale: float, u: torch.Tensor | None = None, BK: int = 32
) -> torch.Tensor:
    """The kernel's dataflow in PyTorch, on any device: V rows in the scratch's layout [N*H, 4, T, C_pad],
    U in the loader's [12 * BN, C_pad] (`u`: from transform_weights, else built here alike), the j order
    1, 2, 0, 3 with the fold between, fp32 accumulation. What the GPU kernel must reproduce."""
    N, C_in, H, W = x.shape
    C_out = weight.shape[0]
    BN, _, C_pad, T = sizes(C_in, C_out, W, BK)
    H_out, W_out = H - 2, W - 2

    v = emulate_v(x, C_pad, T)
    if u is None:
        u = emulate_u(weight, BN, C_pad)
    uu = u.view(4, 3, BN, C_pad)
    vv = v.view(N, H, 4, T, C_pad)

    def m(j):  # sum over kh and c, [N, H_out, T, BN]
        return sum(torch.einsum("nrtc,oc->nrto", vv[:, kh : kh + H_out, j], uu[j, kh]) for kh in range(3))

    y1 = m(1)
    y0 = m(2)
    y1 = y1 - y0  # M1 - M2
    y0 = y0 * 2.0 + y1  # M1 + M2, as the kernel folds in place
    y0 = y0 + m(0)
    y1 = y1 + m(3)  # U3 is stored negated
    y = torch.stack([y0, y1], 3).reshape(N, H_out, 2 * T, BN)[:, :, :W_out, :C_out]
    return ((y + bias) * scale).amin(-1)[:, None]


MODEL = """

class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kh, kw))
        self.bias = nn.Parameter(torch.randn(out_channels))
        self.scale_factor = float(scale_factor)

    def forward(self, x):
        return {launcher}(x, self.weight, self.bias, self.scale_factor)
"""
REPLY = """(Written by a coding model acting as the LLM of the loop through the `replay` provider, not by an LLM
endpoint.)

The parent is a direct TF32 conv at 86 % of the tensor cores' per-clock peak: below it, only fewer
multiplications help. Winograd F(2,3) along the width computes each output pixel pair from 4 products per
tap row instead of 6 (1.5x fewer MACs), with TF32 rounding of the transformed operands (round to nearest:
0.33 of the tf32 tolerance's floor in a CPU emulation, against 0.70 for a truncating direct TF32 conv):

- The restager partition does the input transform while it restages: each input row becomes four
  channels-last rows V_j (V0 = d0 - d2, V1 = d1 + d2, V2 = d2 - d1, V3 = d1 - d3 over pixels 2t..2t+3) in an
  L2-hot scratch, one row ahead of use.
- A small Triton kernel transforms the weights per call (U0 = g0, U1 = (g0+g1+g2)/2, U2 = (g0-g1+g2)/2,
  U3 = -g2, stored negated), one K-contiguous matrix for the loader's TMA.
- Two consumer warpgroups (64 pixel pairs each, all 128 channels) run the j-steps in the order 1, 2, 0, 3
  with the output transform folded in between, so only two accumulators live: Y1 = M1; Y0 = M2;
  Y1 -= Y0; Y0 = 2 Y0 + Y1; Y0 += M0; Y1 += V3 (-U3). Then y[2t] = Y0 and y[2t+1] = Y1 get bias, scale and
  the channel min.

```python
{code}
```
"""


def diagnose(x, wt, out, emu, keep) -> str:
    """Where a wrong output goes wrong: the weight transform (U against emulate's own), the restager (each
    V_j against emulate's, and how many scratch rows differ), and the output by column parity and row.
    `keep`: the launcher's U [12 * BN, C_pad] and, where it has one (gluon_winograd_rs has none), its V scratch
    [N*H, 4, T, C_pad]; their shapes give the sizes."""
    BN12, C_pad = keep["u"].shape
    u_ref = emulate_u(wt, BN12 // 12, C_pad)
    parts = [f"U {(keep['u'] - u_ref).abs().max():.1e}"]
    if "v" in keep:
        dv = (keep["v"] - emulate_v(x, C_pad, keep["v"].shape[2])).abs()
        for j in range(4):
            parts.append(f"V{j} {dv[:, j].max():.1e}")
        parts.append(f"V rows wrong {int((dv.amax((1, 2, 3)) > 1e-4).sum())}/{dv.shape[0]}")
    err = (out - emu).abs()[:, 0]  # [N, H_out, W_out]
    bad = err > 1e-3 * (1 + emu.abs()[:, 0])
    parts.append(f"bad even cols {int(bad[..., 0::2].sum())}, odd cols {int(bad[..., 1::2].sum())} of {bad.numel()}")
    if bad.any():
        i = bad.nonzero()[0].tolist()
        rows = bad.any(-1).flatten().nonzero().flatten().tolist()
        parts.append(f"first bad (n, oh, ow) {tuple(i)}, bad rows {rows[:6]}{'...' if len(rows) > 6 else ''}")
    return "; ".join(parts)


SWEEP = (dict(TP=8), dict(STAGES=5), dict(STAGES=4), dict(TP=32, RESTAGE_REGS=120, CONSUMER_REGS=192))


TIMED = "median over 400 ms after 400 ms of warm-up, no L2 flush"  # how --check times (its lines say so)


def _median_ms(fn, window_ms: float = 400.0) -> float:
    """Median of back-to-back calls timed with CUDA events over `window_ms` of work, after as long a warm-up (no
    L2 flush: a quick look, not the evaluator's figure). Why so long: the GPU's clock under sustained TF32 work
    is the power cap's, reached after some hundreds of ms; a median of 10 calls (16 ms) caught whatever the clock
    was, and builds timed one after another drew it differently (session 18, one H100: 1.707, 1.672 and
    1.694 ms for builds that promote's race, timing 400 ms a turn, put within 0.1 % of each other)."""

    def one() -> float:
        e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        e0.record()
        fn()
        e1.record()
        e1.synchronize()
        return e0.elapsed_time(e1)

    calls = int(window_ms / max(min(one() for _ in range(3)), 1e-3))  # calls in one window, from the fastest of 3
    for _ in range(max(1, calls)):
        one()
    times = [one() for _ in range(max(10, calls))]
    return sorted(times)[len(times) // 2]


# --check's cases (images, in, out, H, W): one output channel, a full 128, odd sizes with 5 and 20 input
# channels, then #32 at full size (the one timed)
CHECK_SHAPES = (
    (1, 64, 1, 18, 20),
    (1, 64, 128, 18, 20),
    (2, 5, 61, 13, 17),
    (1, 20, 40, 9, 10),
    (64, 64, 128, 256, 256),
)

# Rows longer than one unit (the register kernels cover 256 output pixels a unit, so 598 outputs take three):
# neither CHECK_SHAPES nor the problem's shape sets have one. The check reports them on a line of their own,
# after the agreement and the sweep, without gating either (a device script's loop step keys on "check: agrees").
WIDE_SHAPES = ((1, 16, 24, 6, 600),)


def check(sweep: bool = False, launch=None, sweep_sizes=SWEEP, BK: int = 32, sizes: dict | None = None) -> None:
    """On a GPU: small and odd shapes against the fp64 reference and against emulate() (which uses the same
    U), then the full shape's time (CUDA events, _median_ms's TIMED). Prints one line per case (with a diagnosis
    where the kernel and emulate() disagree), then "check: agrees" or where it disagrees; raises on NaN.
    `sweep`: where it agrees, the launcher's sizes in `sweep_sizes` at the full shape, each timed and compared
    with the default sizes' output. `launch`: another launcher of the same math and U (gluon_winograd_rs's,
    with its K chunk `BK`); default this module's (ptxas, Triton 3.6: each size in SWEEP compiles with at
    most 16 bytes of spill). `sizes`: launcher arguments in place of its defaults, everywhere (main's --set).
    Last, WIDE_SHAPES (rows of more than one unit) on lines of their own (check_wide), apart from the agreement."""
    import functools

    launch = functools.partial(launch or conv_scale_min_f23, **(sizes or {}))
    torch.manual_seed(0)
    disagree = []
    for n, cin, cout, h, w in CHECK_SHAPES:
        conv = torch.nn.Conv2d(cin, cout, 3).cuda()
        x = torch.rand(n, cin, h, w, device="cuda")
        wt, b = conv.weight.detach(), conv.bias.detach()
        keep = {}
        out = launch(x, wt, b, 2.0, keep=keep)
        torch.cuda.synchronize()
        ref = (torch.nn.functional.conv2d(x.double(), wt.double(), b.double()) * 2.0).amin(1, keepdim=True)
        emu = emulate(x, wt, b, 2.0, u=keep["u"], BK=BK)  # the U the kernel used (transform_weights')
        assert not out.isnan().any(), "NaN in the kernel's output"
        line = f"{n}x{cin}x{h}x{w}->{cout}: max |out - fp64| {(out.double() - ref).abs().max():.2e}"
        line += f", max |out - emulate| {(out - emu).abs().max():.2e}"
        if not bool(((out - emu).abs() <= 1e-3 * (1 + emu.abs())).all()):  # diagnose()'s bound
            disagree.append(f"{n}x{cin}x{h}x{w}->{cout}")
            if h < 256 or "v" not in keep:  # (emulating V at full size costs another 2.1 GB)
                line += f"\n    diagnosis: {diagnose(x, wt, out, emu, keep)}"
        if h == 256:
            del keep, emu, ref
            line += f", {_median_ms(lambda: launch(x, wt, b, 2.0)):.3f} ms ({TIMED})"
        print(line, flush=True)
    print(f"check: the kernel disagrees with emulate() on {', '.join(disagree)}" if disagree else "check: agrees")
    if sweep and not disagree:  # x, wt, b, out: the full shape's
        sweep_launch(launch, x, wt, b, out, sweep_sizes)
    check_wide(launch, lambda x, wt, b, keep: emulate(x, wt, b, 2.0, u=keep["u"], BK=BK), tol=1e-3)


def check_wide(launch, emulate_fn, tol: float, device: str = "cuda") -> None:
    """WIDE_SHAPES through `launch` (which takes keep=), each against fp64 and against emulate_fn(x, wt, b,
    keep), within tol * (1 + |emulate|): one line per shape, "agrees" or "DISAGREES", never an exception."""
    for n, cin, cout, h, w in WIDE_SHAPES:
        conv = torch.nn.Conv2d(cin, cout, 3).to(device)
        x = torch.rand(n, cin, h, w, device=device)
        wt, b = conv.weight.detach(), conv.bias.detach()
        keep = {}
        try:
            out = launch(x, wt, b, 2.0, keep=keep)
            if x.is_cuda:
                torch.cuda.synchronize()
        except Exception as e:
            print(f"wide {n}x{cin}x{h}x{w}->{cout}: failed: {type(e).__name__}: {str(e)[:160]}", flush=True)
            continue
        ref = (torch.nn.functional.conv2d(x.double(), wt.double(), b.double()) * 2.0).amin(1, keepdim=True)
        emu = emulate_fn(x, wt, b, keep).double()
        err = (out.double() - emu).abs()
        ok = not out.isnan().any() and bool((err <= tol * (1 + emu.abs())).all())
        print(
            f"wide {n}x{cin}x{h}x{w}->{cout} (rows of more than one unit; apart from the agreement): "
            f"max |out - fp64| {(out.double() - ref).abs().max():.2e}, max |out - emulate| {err.max():.2e}, "
            + ("agrees" if ok else "DISAGREES"),
            flush=True,
        )


def sweep_launch(launch, x, wt, b, out, sweep_sizes) -> None:
    """Each of the launcher's sizes in `sweep_sizes` on one input: its time (_median_ms) and how far its output
    is from `out`, the default sizes' (a size that does not compile or launch is said so, then the next)."""
    for sizes in sweep_sizes:
        try:
            diff = (launch(x, wt, b, 2.0, **sizes) - out).abs().max()
            ms = _median_ms(lambda: launch(x, wt, b, 2.0, **sizes))
            print(f"sweep {sizes}: {ms:.3f} ms, max |out - default sizes' out| {diff:.1e}", flush=True)
        except Exception as e:
            print(f"sweep {sizes}: failed: {type(e).__name__}: {str(e)[:160]}", flush=True)


def candidate_source() -> str:
    """This module as a self-contained candidate: the kernels and launchers, and a ModelNew (no docstring,
    no CPU emulation)."""
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    body = source[source.index("from __future__ import annotations") : source.index("def _rnd(")].rstrip()
    return (
        body.replace("from __future__ import annotations\n\n", "").replace(
            "import torch\n", "import torch\nimport torch.nn as nn\n", 1
        )
        + "\n"
        + MODEL.format(launcher="conv_scale_min_f23")
    )


def parse_sizes(items: list[str], launcher) -> dict:
    """--set NAME=VALUE items -> the launcher's keyword arguments (values as Python literals: 8, False, 200);
    a name the launcher has no default for, or a value that is not a literal, exits with a one-line error."""
    import ast
    import inspect

    known = {n for n, p in inspect.signature(launcher).parameters.items() if p.default is not p.empty}
    sizes = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq or name not in known:
            raise SystemExit(f"error: --set {item}: {launcher.__name__}'s sizes are {', '.join(sorted(known))}")
        try:
            sizes[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise SystemExit(f"error: --set {item}: the value must be a Python literal (8, False, 200)") from None
    return sizes


def with_defaults(code: str, launcher: str, sizes: dict) -> str:
    """The candidate text with `sizes` as its launcher's defaults: `def launcher(..., NAME=old, ...)` ->
    NAME=new, so the file the loop evaluates runs what the check ran."""
    import re

    head = re.search(rf"def {launcher}\((.*?)\):", code, re.S)
    sig = head.group(1)
    for name, value in sizes.items():
        sig, n = re.subn(rf"\b{name}=[^,\n)]+", f"{name}={value!r}", sig)
        assert n == 1, f"{launcher} has no default {name}"
    return code[: head.start(1)] + sig + code[head.end(1) :]


def main(check_fn=check, source_fn=candidate_source, reply: str = REPLY, argv=None, launcher=None) -> None:
    """The command line of this module and of the register kernels': --check [--sweep] on a GPU, then write the
    candidate file and/or the hopper-stage reply; --set NAME=VALUE (repeatable) replaces a launcher default in
    both the check and the written code."""
    import argparse
    from pathlib import Path

    ap = argparse.ArgumentParser(description="write this kernel as a candidate file and as a hopper-stage reply")
    ap.add_argument("--reply", type=Path, help="a replay folder: writes 01_hopper.md there")
    ap.add_argument("--candidate", type=Path, help="a candidate file for `python -m evaluator`")
    ap.add_argument("--check", action="store_true", help="GPU: the kernel against emulate() and fp64 on a few shapes")
    ap.add_argument("--sweep", action="store_true", help="with --check: then time the launcher's sizes in SWEEP")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a launcher default to replace")
    a = ap.parse_args(argv)
    launcher = launcher or conv_scale_min_f23
    sizes = parse_sizes(a.set, launcher)
    if a.check:
        check_fn(a.sweep, sizes=sizes)
    code = with_defaults(source_fn(), launcher.__name__, sizes)
    if a.reply:
        a.reply.mkdir(parents=True, exist_ok=True)
        (a.reply / "01_hopper.md").write_text(reply.format(code=code))
    if a.candidate:
        a.candidate.write_text(code)


if __name__ == "__main__":
    main()
