"""Attack: tries a Triton kernel that always fails, and falls back to PyTorch in `except`.

Static: F.conv2d (in the except branch) is banned. Runtime (bans off): the aten audit sees
`convolution` on the fallback path.
"""
import torch
import torch.nn as nn
import triton
import triton.language as tl
import torch.nn.functional as F


@triton.jit
def channel_min_kernel(y_ptr, out_ptr, C_out, HW, P, BLOCK_M: tl.constexpr):
    offs = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    mask = offs < P
    n = offs // HW
    r = offs % HW
    best = tl.full((BLOCK_M,), float("inf"), tl.float32)
    for c in range(0, C_out):
        best = tl.minimum(best, tl.load(y_ptr + (n * C_out + c) * HW + r, mask=mask, other=float("inf")))
    tl.store(out_ptr + offs, best, mask=mask)


def channel_min(y):
    y = y.contiguous()
    N, C, H, W = y.shape
    out = torch.empty((N, 1, H, W), device=y.device, dtype=y.dtype)
    channel_min_kernel[(triton.cdiv(N * H * W, 128),)](y, out, C, H * W, N * H * W, BLOCK_M=128)
    return out


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.scale_factor = float(scale_factor)

    def forward(self, x):
        try:
            channel_min_kernel[(1,)](x, x, 1, 1, 1)  # missing BLOCK_M: raises every time
            raise RuntimeError("unreachable")
        except Exception:
            return torch.amin(F.conv2d(x, self.conv.weight, self.conv.bias) * self.scale_factor, dim=1, keepdim=True)
