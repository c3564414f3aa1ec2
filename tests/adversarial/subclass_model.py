"""Attack: subclasses a copy of the reference Model and runs its forward, plus a token Triton launch.

Static: ModelNew must subclass nn.Module directly (and Model's self.conv(...) is banned).
Runtime (bans off): the aten audit sees convolution, mul and min.
"""
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def touch_kernel(ptr, n, BLOCK: tl.constexpr):
    offs = tl.arange(0, BLOCK)
    tl.store(ptr + offs, tl.load(ptr + offs, mask=offs < n), mask=offs < n)


class Model(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.scale_factor = float(scale_factor)

    def forward(self, x):
        x = self.conv(x)
        x = x * self.scale_factor
        return torch.min(x, dim=1, keepdim=True)[0]


class ModelNew(Model):
    def forward(self, x):
        out = super().forward(x)
        touch_kernel[(1,)](out, 1, BLOCK=16)
        return out
