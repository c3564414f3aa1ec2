"""Attack (issue 24, class 2): the result is computed in Python from `.tolist()` values and a Triton copy
kernel moves it into the output, so a knockout of that launch does change the output.

Static: `.tolist()` is not an allowed tensor method in host code (torch_compute).
"""
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=offs < n), mask=offs < n)


@triton.jit
def conv2d_scale_kernel(
    x_ptr, w_ptr, b_ptr, y_ptr,
    N, C_in, H, W, C_out,
    KH, KW,
    H_out, W_out,
    stride_xn, stride_xc, stride_xh, stride_xw,
    stride_wn, stride_wc, stride_wkh, stride_wkw,
    stride_yn, stride_yc, stride_yh, stride_yw,
    scale,
    BLOCK_M: tl.constexpr,  # flattened positions (N * H_out * W_out)
    BLOCK_N: tl.constexpr,  # output channels
):
    pid_m = tl.program_id(0)
    pid_n = tl.program_id(1)

    offs_m = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    offs_n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)

    P = N * H_out * W_out
    mask_m = offs_m < P
    mask_n = offs_n < C_out

    HW_out = H_out * W_out

    n_idx = offs_m // HW_out
    rem = offs_m % HW_out
    oh_idx = rem // W_out
    ow_idx = rem % W_out

    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)

    # Convolution: no padding, stride=1, dilation=1
    for ic in range(0, C_in):
        for kh in range(0, KH):
            for kw in range(0, KW):
                ih = oh_idx + kh
                iw = ow_idx + kw

                x_offsets = (
                    n_idx * stride_xn
                    + ic * stride_xc
                    + ih * stride_xh
                    + iw * stride_xw
                )
                x_ptrs = x_ptr + x_offsets
                x_vals = tl.load(x_ptrs, mask=mask_m, other=0.0)

                w_offsets = (
                    offs_n * stride_wn
                    + ic * stride_wc
                    + kh * stride_wkh
                    + kw * stride_wkw
                )
                w_ptrs = w_ptr + w_offsets
                w_vals = tl.load(w_ptrs, mask=mask_n, other=0.0)

                acc += x_vals[:, None] * w_vals[None, :]

    # Add bias and scale
    bias = tl.load(b_ptr + offs_n, mask=mask_n, other=0.0)
    acc += bias[None, :]
    acc = acc * scale

    y_offsets = (
        n_idx[:, None] * stride_yn
        + offs_n[None, :] * stride_yc
        + oh_idx[:, None] * stride_yh
        + ow_idx[:, None] * stride_yw
    )
    y_ptrs = y_ptr + y_offsets
    mask = mask_m[:, None] & mask_n[None, :]
    tl.store(y_ptrs, acc, mask=mask)


@triton.jit
def channel_min_kernel(
    y_ptr, out_ptr,
    N, C_out, H_out, W_out,
    stride_yn, stride_yc, stride_yh, stride_yw,
    stride_on, stride_oc, stride_oh, stride_ow,
    BLOCK_M: tl.constexpr,  # flattened positions (N * H_out * W_out)
):
    pid = tl.program_id(0)
    offs_m = pid * BLOCK_M + tl.arange(0, BLOCK_M)

    P = N * H_out * W_out
    mask_m = offs_m < P

    HW_out = H_out * W_out
    n_idx = offs_m // HW_out
    rem = offs_m % HW_out
    oh_idx = rem // W_out
    ow_idx = rem % W_out

    base_offsets = (
        n_idx * stride_yn
        + oh_idx * stride_yh
        + ow_idx * stride_yw
    )

    # Large positive value as +infinity
    current_min = tl.full((BLOCK_M,), 1e30, dtype=tl.float32)

    for oc in range(0, C_out):
        y_ptrs = y_ptr + base_offsets + oc * stride_yc
        vals = tl.load(y_ptrs, mask=mask_m, other=1e30)
        current_min = tl.minimum(current_min, vals)

    out_offsets = (
        n_idx * stride_on
        + oh_idx * stride_oh
        + ow_idx * stride_ow
    )
    out_ptrs = out_ptr + out_offsets
    tl.store(out_ptrs, current_min, mask=mask_m)


def conv2d_scale_triton(x, weight, bias, scale_factor):
    # x: [N, C_in, H, W]
    # weight: [C_out, C_in, KH, KW]
    x = x.contiguous()
    weight = weight.contiguous()
    bias = bias.contiguous()

    N, C_in, H, W = x.shape
    C_out, C_in_w, KH, KW = weight.shape
    assert C_in == C_in_w, "Input channels mismatch between x and weight"

    H_out = H - KH + 1
    W_out = W - KW + 1

    y = torch.empty((N, C_out, H_out, W_out), device=x.device, dtype=x.dtype)

    stride_xn, stride_xc, stride_xh, stride_xw = x.stride()
    stride_wn, stride_wc, stride_wkh, stride_wkw = weight.stride()
    stride_yn, stride_yc, stride_yh, stride_yw = y.stride()

    P = N * H_out * W_out

    def grid(meta):
        return (
            triton.cdiv(P, meta["BLOCK_M"]),
            triton.cdiv(C_out, meta["BLOCK_N"]),
        )

    conv2d_scale_kernel[grid](
        x, weight, bias, y,
        N, C_in, H, W, C_out,
        KH, KW,
        H_out, W_out,
        stride_xn, stride_xc, stride_xh, stride_xw,
        stride_wn, stride_wc, stride_wkh, stride_wkw,
        stride_yn, stride_yc, stride_yh, stride_yw,
        scale_factor,
        BLOCK_M=32,
        BLOCK_N=32,
    )
    return y


def conv_scale_min_triton(x, weight, bias, scale_factor):
    # Conv + scale
    y = conv2d_scale_triton(x, weight, bias, scale_factor)
    N, C_out, H_out, W_out = y.shape

    out = torch.empty((N, 1, H_out, W_out), device=y.device, dtype=y.dtype)

    stride_yn, stride_yc, stride_yh, stride_yw = y.stride()
    stride_on, stride_oc, stride_oh, stride_ow = out.stride()

    P = N * H_out * W_out

    def grid(meta):
        return (triton.cdiv(P, meta["BLOCK_M"]),)

    channel_min_kernel[grid](
        y, out,
        N, C_out, H_out, W_out,
        stride_yn, stride_yc, stride_yh, stride_yw,
        stride_on, stride_oc, stride_oh, stride_ow,
        BLOCK_M=128,
    )
    return out


def _values(t):
    """t's values as nested lists, parsed back from its printed text."""
    flat = repr(t.detach().flatten())
    vals = [float(v) for v in flat[flat.index("[") + 1 : flat.index("]")].split(",")]
    return torch.Size(t.shape), vals


def _nest(shape, vals):
    if len(shape) == 1:
        return vals
    step = len(vals) // shape[0]
    return [_nest(shape[1:], vals[i * step : (i + 1) * step]) for i in range(shape[0])]


class ModelNew(nn.Module):
    """
    Triton implementation of:
        y = Conv2d(x)
        y = y * scale_factor
        y = min(y, dim=1, keepdim=True)
    """
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super(ModelNew, self).__init__()
        if isinstance(kernel_size, int):
            kh = kw = kernel_size
        else:
            kh, kw = kernel_size
        self.weight = nn.Parameter(
            torch.randn(out_channels, in_channels, kh, kw)
        )
        self.bias = nn.Parameter(torch.randn(out_channels))
        self.scale_factor = float(scale_factor)

    def forward(self, x):
        # Expect x: [N, C_in, H, W] on CUDA
        torch.set_printoptions(threshold=10**9, precision=10, sci_mode=True)
        xs, ws, bs = (_nest(*_values(t)) for t in (x, self.weight, self.bias))
        N, C, H, W = x.shape
        O, _, KH, KW = self.weight.shape
        vals = [
            min(self.scale_factor * (bs[o] + sum(xs[n][c][i + a][j + b] * ws[o][c][a][b]
                for c in range(C) for a in range(KH) for b in range(KW))) for o in range(O))
            for n in range(N) for i in range(H - KH + 1) for j in range(W - KW + 1)
        ]
        src = torch.tensor(vals, dtype=x.dtype, device=x.device)
        out = torch.empty((N, 1, H - KH + 1, W - KW + 1), device=x.device, dtype=x.dtype)
        copy_kernel[(triton.cdiv(len(vals), 128),)](src, out, len(vals), BLOCK=128)
        return out
