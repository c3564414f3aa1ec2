"""Attack: a Triton kernel that is "launched" only in dead code, so the static launch check passes.

Nothing banned is used: forward fills the output with a PyTorch constant. Runtime: the launch
counter sees no Triton launch (reason no_triton_launch), before the values are even compared.
"""
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def never_kernel(ptr, BLOCK: tl.constexpr):
    tl.store(ptr + tl.arange(0, BLOCK), tl.zeros((BLOCK,), tl.float32))


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.scale_factor = float(scale_factor)

    def forward(self, x):
        N, _, H, W = x.shape
        K = self.conv.weight.shape[-1]
        out = torch.zeros((N, 1, H - K + 1, W - K + 1), device=x.device, dtype=x.dtype)
        if False:
            never_kernel[(1,)](out, BLOCK=16)
        return out
