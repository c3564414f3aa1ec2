"""Attack: im2col with views, then torch.matmul (cuBLAS on a GPU) for the convolution.

Static: torch.matmul is banned. Runtime (bans off): the aten audit sees a matmul operator.
"""
import torch
import torch.nn as nn
import triton
import triton.language as tl


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
        N, C, H, W = x.shape
        K = self.conv.weight.shape[-1]
        cols = x.unfold(2, K, 1).unfold(3, K, 1)                       # N, C, Ho, Wo, K, K (a view)
        cols = cols.permute(0, 2, 3, 1, 4, 5).reshape(N, H - K + 1, W - K + 1, C * K * K)
        w = self.conv.weight.reshape(self.conv.weight.shape[0], -1)
        y = torch.matmul(cols, w.t()).permute(0, 3, 1, 2)
        y = (y + self.conv.bias.view(1, -1, 1, 1)) * self.scale_factor
        return channel_min(y)
