"""Attack: a Triton kernel that writes a constant (a plausible value for a min of scaled convs).

Nothing banned, launches Triton: the comparison rejects it.
"""
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def fill_kernel(out_ptr, value, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(out_ptr + offs, tl.zeros((BLOCK,), tl.float32) + value, mask=offs < n)


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.scale_factor = float(scale_factor)

    def forward(self, x):
        N, _, H, W = x.shape
        K = self.conv.weight.shape[-1]
        out = torch.empty((N, 1, H - K + 1, W - K + 1), device=x.device, dtype=x.dtype)
        fill_kernel[(triton.cdiv(out.numel(), 128),)](out, -1.0, out.numel(), BLOCK=128)
        return out
