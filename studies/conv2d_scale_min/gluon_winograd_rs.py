"""Winograd F(2,3) for #32 with V formed in the consumers' registers: no V scratch, no restage, no restager.

    from studies.conv2d_scale_min.gluon_winograd_rs import conv_scale_min_f23_rs
    out = conv_scale_min_f23_rs(x, weight, bias, 2.0)      # CUDA, sm_90; 3x3 kernels, stride 1, no padding
    python -m studies.conv2d_scale_min.gluon_winograd_rs --check [--sweep]   # on a GPU: against emulate, timed

Why (GLUON_NOTES.md, "First GPU run of the F(2,3) kernel"): gluon_winograd.py is correct but its V scratch
costs at least 5.3 GB of DRAM traffic and its restager is latency-bound (4.3-4.9 ms on an H100). Here each
consumer warpgroup loads its input pixels d0..d3 straight from NCHW x (L1/L2: three output rows share each
input row), forms V_j = B^T d in registers, laid out as wgmma's A operand (TF32 wgmma takes A from
registers: rs_tf32_probe.py), and multiplies by U_j from shared memory (TMA).

The math is gluon_winograd's (its emulate() is this kernel's reference too), per output row, pixel pair
(2t, 2t+1) and output channel co:

    M_j[t, co] = sum over kh, c of V_j[kh][t, c] * U_j[kh][c, co]
    V0 = d0 - d2, V1 = d1 + d2, V2 = d2 - d1, V3 = d1 - d3        (d_i = x[c, oh + kh, 2t + i], TF32-rounded)
    y[2t] = M0 + M1 + M2,  y[2t+1] = M1 - M2 - M3                  (U3 stored negated: M3 enters with +)

Work split, chosen by registers: four [64 tiles, N] accumulators must live at once (every K-step feeds all
four), so N = 64 output channels per pass (4 x 32 registers); a warpgroup makes NPASS = 128 / 64 passes over
its 64 tiles and keeps the running channel min in registers between them. Two consumer warpgroups take
the two 64-tile halves of an output row (127 pixel pairs at full size); one loader warp streams U by TMA,
one stage per (pass, kh, 8-channel chunk): the four U_j tiles [N, 8] (8 KB). K = 8 per step keeps d and V
at 4 registers each.

Status: written without a GPU (session 11); it compiles for sm_90 with Triton 3.6 (`compile_sm90.py --winograd-rs`).
Never run on a GPU: its correctness and time are the next device call's first measurement.
"""

from __future__ import annotations

import torch
import triton
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.hopper import mbarrier, tma, warpgroup_mma, warpgroup_mma_wait
from triton.experimental.gluon.nvidia.hopper import TensorDescriptor

from studies.conv2d_scale_min.gluon_winograd import _round_tf32_g, _row_range, transform_weights


@gluon.jit
def _loader(
    u_desc,
    b_bufs,
    ready,
    empty,
    TILES_W,
    num_rows,
    BN: gl.constexpr,
    N: gl.constexpr,
    BK: gl.constexpr,
    C_PAD: gl.constexpr,
    STAGES: gl.constexpr,
):
    # 1 warp: per unit (output row, 128-tile span), per pass p, kh and 8-channel chunk: the four U_j tiles
    # rows (j * 3 + kh) * BN + p * N .. + N, columns c8 * BK .. + BK, into stage slots 4 s .. 4 s + 3.
    t0, t1 = _row_range(num_rows)
    STEP_BYTES: gl.constexpr = 4 * u_desc.block_type.nbytes
    it = 0
    for _ in range((t1 - t0) * TILES_W):
        for step in range((BN // N) * 3 * (C_PAD // BK)):
            p = step // (3 * (C_PAD // BK))
            kh = (step // (C_PAD // BK)) % 3
            c8 = step % (C_PAD // BK)
            s = it % STAGES
            mbarrier.wait(empty.index(s), ((it // STAGES) & 1) ^ 1)  # a fresh barrier: parity 1 passes
            mbarrier.expect(ready.index(s), STEP_BYTES)
            for j in gl.static_range(4):
                tma.async_copy_global_to_shared(
                    u_desc, [(j * 3 + kh) * BN + p * N, c8 * BK], ready.index(s), b_bufs.index(4 * s + j)
                )
            it += 1


@gluon.jit
def _load_d(x_ptr, n, oh, kh, chunk, px, chan_a, C_in, HW, W, BK: gl.constexpr, valid):
    # d_i = x[n, c, oh + kh, 2t + i] for the warpgroup's 64 tiles (px = 2t, [64, 1]) and the chunk's channels
    # (c, [1, BK]), in wgmma's A-operand layout; zero for padded channels, past the row's end, or when not
    # valid (a prefetch past the unit's last step).
    c = chunk * BK + chan_a[None, :]
    row = x_ptr + (n * C_in + c) * HW + (oh + kh) * W + px
    cm = (c < C_in) & valid
    d0 = gl.load(row, mask=cm & (px < W), other=0.0)
    d1 = gl.load(row + 1, mask=cm & (px + 1 < W), other=0.0)
    d2 = gl.load(row + 2, mask=cm & (px + 2 < W), other=0.0)
    d3 = gl.load(row + 3, mask=cm & (px + 3 < W), other=0.0)
    return d0, d1, d2, d3


@gluon.jit
def _consumer(
    x_ptr,
    b_bufs,
    ready,
    empty,
    b_ptr,
    out_ptr,
    C_in,
    C_out,
    H,
    W,
    H_out,
    W_out,
    T,
    TILES_W,
    num_rows,
    scale,
    WG: gl.constexpr,
    BN: gl.constexpr,
    N: gl.constexpr,
    BK: gl.constexpr,
    C_PAD: gl.constexpr,
    STAGES: gl.constexpr,
    OVERLAP: gl.constexpr,
):
    # One warpgroup: tiles [tt0, tt0 + 64) of each unit, tt0 = 128 * tw + 64 * WG; every output channel in
    # BN // N passes of N, the running min over channels in registers.
    acc_layout: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, N, 8])
    a_layout: gl.constexpr = gl.DotOperandLayout(operand_index=0, parent=acc_layout, k_width=1)
    tile_a = gl.arange(0, 64, layout=gl.SliceLayout(1, a_layout))  # A rows: tiles
    chan_a = gl.arange(0, BK, layout=gl.SliceLayout(0, a_layout))  # A columns: channels of the chunk
    tile_o = gl.arange(0, 64, layout=gl.SliceLayout(1, acc_layout))
    chan_o = gl.arange(0, N, layout=gl.SliceLayout(0, acc_layout))
    t0, t1 = _row_range(num_rows)
    HW = H * W
    CHUNKS: gl.constexpr = C_PAD // BK
    m0 = gl.zeros([64, N], gl.float32, acc_layout)
    m1 = gl.zeros([64, N], gl.float32, acc_layout)
    m2 = gl.zeros([64, N], gl.float32, acc_layout)
    m3 = gl.zeros([64, N], gl.float32, acc_layout)
    # OVERLAP: the V registers of the step still in flight, carried to the next step's wait
    w0 = gl.zeros([64, BK], gl.float32, a_layout)
    w1 = gl.zeros([64, BK], gl.float32, a_layout)
    w2 = gl.zeros([64, BK], gl.float32, a_layout)
    w3 = gl.zeros([64, BK], gl.float32, a_layout)
    it = 0
    for t in range(t0, t1):
        n = t // H_out
        oh = t % H_out
        for tw in range(TILES_W):
            tt0 = tw * 128 + WG * 64
            px = 2 * (tt0 + tile_a)[:, None]  # pixel 2t of each tile, [64, 1]
            lo0 = gl.full([64], float("inf"), gl.float32, gl.SliceLayout(1, acc_layout))
            lo1 = gl.full([64], float("inf"), gl.float32, gl.SliceLayout(1, acc_layout))
            # d for step 0 now; each step then loads the next step's d before it waits for its U (one step of
            # lookahead: the L1/L2 latency hides behind this step's products and the other warpgroup's).
            d0, d1, d2, d3 = _load_d(x_ptr, n, oh, 0, 0, px, chan_a, C_in, HW, W, BK, True)
            for p in range(BN // N):
                for step in range(3 * CHUNKS):
                    nxt = p * 3 * CHUNKS + step + 1  # the flat index of the next step; its d repeat per pass
                    e0, e1, e2, e3 = _load_d(
                        x_ptr,
                        n,
                        oh,
                        (nxt % (3 * CHUNKS)) // CHUNKS,
                        nxt % CHUNKS,
                        px,
                        chan_a,
                        C_in,
                        HW,
                        W,
                        BK,
                        nxt < (BN // N) * 3 * CHUNKS,
                    )
                    s = it % STAGES
                    mbarrier.wait(ready.index(s), (it // STAGES) & 1)
                    first = step > 0
                    v0 = _round_tf32_g(d0 - d2)  # V0
                    m0 = warpgroup_mma(v0, b_bufs.index(4 * s).permute((1, 0)), m0, use_acc=first, is_async=True)
                    v1 = _round_tf32_g(d1 + d2)  # V1
                    m1 = warpgroup_mma(v1, b_bufs.index(4 * s + 1).permute((1, 0)), m1, use_acc=first, is_async=True)
                    v2 = _round_tf32_g(d2 - d1)  # V2
                    m2 = warpgroup_mma(v2, b_bufs.index(4 * s + 2).permute((1, 0)), m2, use_acc=first, is_async=True)
                    v3 = _round_tf32_g(d1 - d3)  # V3
                    m3 = warpgroup_mma(v3, b_bufs.index(4 * s + 3).permute((1, 0)), m3, use_acc=first, is_async=True)
                    if OVERLAP:
                        # One step in flight: the wait leaves this step's four products running (and its V
                        # registers live, as deps) while the next d loads and V forms; the previous step's
                        # are done, so its U slots go back to the loader.
                        m0, m1, m2, m3, v0, v1, v2, v3, w0, w1, w2, w3 = warpgroup_mma_wait(
                            num_outstanding=4, deps=(m0, m1, m2, m3, v0, v1, v2, v3, w0, w1, w2, w3)
                        )
                        mbarrier.arrive(empty.index((it + STAGES - 1) % STAGES), count=1, pred=step > 0)
                        w0, w1, w2, w3 = v0, v1, v2, v3
                    else:
                        # The stage's four products retired: its U slots go back to the loader. The V registers
                        # are deps too: an asynchronous wgmma reads its A registers until this wait.
                        m0, m1, m2, m3, v0, v1, v2, v3 = warpgroup_mma_wait(
                            num_outstanding=0, deps=(m0, m1, m2, m3, v0, v1, v2, v3)
                        )
                        mbarrier.arrive(empty.index(s), count=1)
                    it += 1
                    d0, d1, d2, d3 = e0, e1, e2, e3
                if OVERLAP:  # the pass's last step: wait for it, release its slots
                    m0, m1, m2, m3, w0, w1, w2, w3 = warpgroup_mma_wait(
                        num_outstanding=0, deps=(m0, m1, m2, m3, w0, w1, w2, w3)
                    )
                    mbarrier.arrive(empty.index((it + STAGES - 1) % STAGES), count=1)
                # Output transform in place (no third tile): y1 = M1 - M2 - M3 (M3 holds -U3 products), y0 =
                # M0 + M1 + M2; then bias, scale and this pass's channel min (+inf on padded channels).
                m3 = m1 - m2 + m3
                m0 = m0 + m1 + m2
                co = p * N + chan_o
                bias = gl.load(b_ptr + co, mask=co < C_out, other=0.0)
                pad = gl.where(co < C_out, 0.0, float("inf"))
                lo0 = gl.minimum(lo0, gl.min((m0 + bias[None, :]) * scale + pad[None, :], axis=1))
                lo1 = gl.minimum(lo1, gl.min((m3 + bias[None, :]) * scale + pad[None, :], axis=1))
            ow = 2 * (tt0 + tile_o)
            out = out_ptr + t * W_out + ow
            gl.store(out, lo0, mask=ow < W_out)
            gl.store(out + 1, lo1, mask=ow + 1 < W_out)


@gluon.jit
def _conv_scale_min_f23_rs_kernel(
    x_ptr,
    u_desc,
    b_ptr,
    out_ptr,
    C_in,
    C_out,
    H,
    W,
    H_out,
    W_out,
    T,
    TILES_W,
    num_rows,
    scale,
    BN: gl.constexpr,
    N: gl.constexpr,
    BK: gl.constexpr,
    C_PAD: gl.constexpr,
    STAGES: gl.constexpr,
    CONSUMER_REGS: gl.constexpr,
    OVERLAP: gl.constexpr,
):
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
                    x_ptr,
                    b_bufs,
                    ready,
                    empty,
                    b_ptr,
                    out_ptr,
                    C_in,
                    C_out,
                    H,
                    W,
                    H_out,
                    W_out,
                    T,
                    TILES_W,
                    num_rows,
                    scale,
                    0,
                    BN,
                    N,
                    BK,
                    C_PAD,
                    STAGES,
                    OVERLAP,
                ),
            ),
            (
                _consumer,  # warpgroup 1: tiles 64 * 1 .. of each 128-tile span
                (
                    x_ptr,
                    b_bufs,
                    ready,
                    empty,
                    b_ptr,
                    out_ptr,
                    C_in,
                    C_out,
                    H,
                    W,
                    H_out,
                    W_out,
                    T,
                    TILES_W,
                    num_rows,
                    scale,
                    1,
                    BN,
                    N,
                    BK,
                    C_PAD,
                    STAGES,
                    OVERLAP,
                ),
            ),
            (_loader, (u_desc, b_bufs, ready, empty, TILES_W, num_rows, BN, N, BK, C_PAD, STAGES)),
        ],
        [4, 1],
        [CONSUMER_REGS, 24],
    )


def sizes(C_in: int, C_out: int, W: int, BK: int = 8) -> tuple[int, int, int, int, int]:
    """(BN, N, C_pad, T, TILES_W): output channels padded to a power of two (16 at least) and taken N <= 64 per
    pass, input channels padded to whole K chunks, pixel pairs per output row, 128-tile spans per row."""
    BN = max(16, triton.next_power_of_2(C_out))
    N = min(BN, 64)
    C_pad = triton.cdiv(C_in, BK) * BK
    T = triton.cdiv(W - 2, 2)
    return BN, N, C_pad, T, triton.cdiv(T, 128)


def conv_scale_min_f23_rs(x, weight, bias, scale, STAGES=8, CONSUMER_REGS=232, OVERLAP=False, num_ctas=None, keep=None):
    """Transform the weights (gluon_winograd.transform_weights: U as [12 * BN, C_pad], U3 negated), then one
    persistent launch, one CTA per SM over a contiguous range of output rows. `keep` receives U."""
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
    u_desc = TensorDescriptor(
        u, list(u.shape), list(u.stride()), [N, BK], gl.NVMMASharedLayout.get_default_for([N, BK], gl.float32)
    )
    out = torch.empty((N_img, 1, H_out, W_out), device=x.device, dtype=x.dtype)
    num_rows = N_img * H_out
    if num_ctas is None:
        num_ctas = torch.cuda.get_device_properties(x.device).multi_processor_count
    _conv_scale_min_f23_rs_kernel[(min(num_ctas, num_rows),)](
        x,
        u_desc,
        bias.contiguous(),
        out,
        C_in,
        C_out,
        H,
        W,
        H_out,
        W_out,
        T,
        TILES_W,
        num_rows,
        float(scale),
        BN=BN,
        N=N,
        BK=BK,
        C_PAD=C_pad,
        STAGES=STAGES,
        CONSUMER_REGS=CONSUMER_REGS,
        OVERLAP=OVERLAP,
        num_warps=4,
    )
    return out


REPLY = """(Written by a coding model acting as the LLM of the loop through the `replay` provider, not by an LLM
endpoint.)

The parent is a direct TF32 conv at 86 % of the tensor cores' per-clock peak: below it, only fewer
multiplications help. Winograd F(2,3) along the width computes each output pixel pair from 4 products per
tap row instead of 6 (1.5x fewer MACs). A first version that wrote the transformed input V to a global
scratch was correct but DRAM- and restage-bound; this one never stores V:

- Each consumer warpgroup loads its input pixels d0..d3 straight from NCHW x (three output rows share each
  input row in L1/L2) and forms V0 = d0 - d2, V1 = d1 + d2, V2 = d2 - d1, V3 = d1 - d3 in registers, rounded
  to nearest TF32, laid out as wgmma's A operand (TF32 wgmma reads A from registers).
- A small Triton kernel transforms the weights per call (U0 = g0, U1 = (g0+g1+g2)/2, U2 = (g0-g1+g2)/2,
  U3 = -g2); a 1-warp loader streams the four U_j tiles of each (pass, kh, 8-channel chunk) by TMA.
- Four accumulators M0..M3 of [64 pixel pairs, 64 channels] per warpgroup (two 64-channel passes, the
  running channel min in registers); then y[2t] = M0 + M1 + M2, y[2t+1] = M1 - M2 - M3, bias, scale, min.

```python
{code}
```
"""

SWEEP = (dict(OVERLAP=True), dict(STAGES=4), dict(STAGES=12), dict(OVERLAP=True, STAGES=12), dict(CONSUMER_REGS=200))


def check(sweep: bool = False) -> None:
    """gluon_winograd.check with this launcher and its 8-channel U: five shapes against emulate() and fp64, the
    full shape's time, then "check: agrees" or where it disagrees; `sweep`: then the sizes in SWEEP."""
    from studies.conv2d_scale_min import gluon_winograd as gw

    gw.check(sweep, launch=conv_scale_min_f23_rs, sweep_sizes=SWEEP, BK=8)


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
    kernels = source[source.index("@gluon.jit\ndef _loader(") : source.index("def sizes(")].rstrip()
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

    gluon_winograd.main(check, candidate_source, REPLY)
