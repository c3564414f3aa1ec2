"""Fault: a compile that never ends: tl.static_range unrolls a million iterations (GPU).

Nothing banned. On a GPU the first call compiles forever: status timeout, gate compile. (Under the
CPU interpreter the same loop just runs forever, like tests' kernel hang.)
"""
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def unrolled_kernel(x_ptr, out_ptr, n, BLOCK: tl.constexpr):
    offs = tl.arange(0, BLOCK)
    acc = tl.load(x_ptr + offs, mask=offs < n, other=0.0)
    for _ in tl.static_range(1 << 20):
        acc = acc * 1.0000001 + 0.5
    tl.store(out_ptr + offs, acc, mask=offs < n)


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.scale_factor = float(scale_factor)

    def forward(self, x):
        N, _, H, W = x.shape
        out = torch.empty((N, 1, H - 2, W - 2), device=x.device)
        unrolled_kernel[(1,)](x, out, out.numel(), BLOCK=128)
        return out
