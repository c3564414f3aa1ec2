import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def nchw_to_nhwc_kernel(x_ptr, y_ptr, C, HW, C_PAD: tl.constexpr, BP: tl.constexpr, CB: tl.constexpr):
    # x [N, C, H*W] -> y [N*H*W, C_PAD]: read pixel-contiguous rows, write channel-contiguous rows
    # (Triton does the transpose through shared memory); channels C..C_PAD-1 are written as 0.
    s = tl.program_id(0) * BP + tl.arange(0, BP)
    n = tl.program_id(1)
    c = tl.arange(0, CB)
    ms = s < HW
    v = tl.load(x_ptr + n * C * HW + c[:, None] * HW + s[None, :],
                mask=(c < C)[:, None] & ms[None, :], other=0.0)
    tl.store(y_ptr + (n * HW + s)[None, :] * C_PAD + c[:, None], v,
             mask=(c < C_PAD)[:, None] & ms[None, :])


@triton.autotune(
    configs=[
        triton.Config({"BM": 256}, num_warps=8, num_stages=3),   # the current configuration
        triton.Config({"BM": 256}, num_warps=8, num_stages=4),
        triton.Config({"BM": 256}, num_warps=8, num_stages=2),
        triton.Config({"BM": 128}, num_warps=8, num_stages=3),
        triton.Config({"BM": 128}, num_warps=4, num_stages=3),
    ],
    key=["H", "W", "C_out"],
)
@triton.jit
def conv_scale_min_nhwc_kernel(
    xh_ptr, w_ptr, b_ptr, out_ptr,
    H, W, C_out, H_out, W_out, scale,
    KH: tl.constexpr, KW: tl.constexpr, C_PAD: tl.constexpr,
    BM: tl.constexpr, BN: tl.constexpr, BK: tl.constexpr,
):
    # One program = one output row (BM >= W_out) x all channels. x is read channels-last, so every A
    # tile [BM pixels, BK channels] is K-contiguous: 16-byte cp.async straight into the K-major shared
    # layout that TF32 wgmma needs (no transposing 4-byte copies, no bank conflicts). The 3 kw taps of a
    # (kh, channel chunk) read the same lines shifted by one pixel: cache them in L1 (.ca).
    pid = tl.program_id(0)
    TILES_W = tl.cdiv(W_out, BM)
    row = pid // TILES_W
    ow0 = (pid % TILES_W) * BM
    n = row // H_out
    oh = row % H_out
    offs_m = tl.arange(0, BM)
    offs_k = tl.arange(0, BK)
    offs_n = tl.arange(0, BN)
    mask_n = offs_n < C_out
    pix = (n * H + oh) * W + ow0 + offs_m                # pixel index of x[n, :, oh, ow0 + m]
    w_col = offs_n * (KH * KW * C_PAD)                   # weight re-laid [BN, KH, KW, C_PAD], zero padded
    C_CHUNKS: tl.constexpr = C_PAD // BK
    acc = tl.zeros((BM, BN), dtype=tl.float32)
    for it in range(0, KH * KW * C_CHUNKS):
        cc = it // (KH * KW)
        tap = it % (KH * KW)
        kh = tap // KW
        kw = tap % KW
        a = tl.load(xh_ptr + (pix + kh * W + kw)[:, None] * C_PAD + (cc * BK + offs_k)[None, :],
                    cache_modifier=".ca")
        b = tl.load(w_ptr + (tap * C_PAD + cc * BK + offs_k)[:, None] + w_col[None, :])
        acc = tl.dot(a, b, acc)
    bias = tl.load(b_ptr + offs_n, mask=mask_n, other=0.0)
    y = (acc + bias[None, :]) * scale
    y = tl.where(mask_n[None, :], y, float("inf"))
    ow = ow0 + offs_m
    tl.store(out_ptr + row * W_out + ow, tl.min(y, axis=1), mask=ow < W_out)


def conv_scale_min(x, weight, bias, scale, BK=32):
    x = x.contiguous()
    N, C_in, H, W = x.shape
    C_out, _, KH, KW = weight.shape
    H_out, W_out = H - KH + 1, W - KW + 1
    BN = max(16, triton.next_power_of_2(C_out))
    BK = min(BK, max(16, triton.next_power_of_2(C_in)))
    C_pad = triton.cdiv(C_in, BK) * BK
    # channels-last copy of x (+ slack rows: a row tile may read up to BM + KW pixels past its start,
    # BM <= 256 in every config; those rows only feed output pixels that are masked at the store)
    xh = torch.empty((N * H * W + 256 + 2 * KW + W, C_pad), device=x.device, dtype=torch.float32)
    BP = 64
    nchw_to_nhwc_kernel[(triton.cdiv(H * W, BP), N)](x, xh, C_in, H * W, C_PAD=C_pad, BP=BP,
                                                     CB=triton.next_power_of_2(C_pad))
    w2 = torch.zeros((BN, KH * KW, C_pad), device=x.device, dtype=torch.float32)
    w2[:C_out, :, :C_in] = weight.permute(0, 2, 3, 1).reshape(C_out, KH * KW, C_in)
    out = torch.empty((N, 1, H_out, W_out), device=x.device, dtype=x.dtype)
    grid = lambda meta: (N * H_out * triton.cdiv(W_out, meta["BM"]),)  # noqa: E731
    conv_scale_min_nhwc_kernel[grid](
        xh, w2, bias.contiguous(), out, H, W, C_out, H_out, W_out, float(scale),
        KH=KH, KW=KW, C_PAD=C_pad, BN=BN, BK=BK)
    return out


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kh, kw))
        self.bias = nn.Parameter(torch.randn(out_channels))
        self.scale_factor = float(scale_factor)

    def forward(self, x):
        return conv_scale_min(x, self.weight, self.bias, self.scale_factor)
