"""Fault: a device-side assert that always fires (debug=True keeps tl.device_assert in the kernel).

Nothing banned. The interpreter raises at once (runtime_error); on a GPU the assert kills the CUDA
context and the process reports or dies (runtime_error or crashed); the next evaluation is unaffected.
"""
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit(debug=True)
def assert_kernel(x_ptr, n, BLOCK: tl.constexpr):
    offs = tl.arange(0, BLOCK)
    v = tl.load(x_ptr + offs, mask=offs < n, other=0.0)
    tl.device_assert(v < -1.0, "kernel assert fired: inputs are >= 0")


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.scale_factor = float(scale_factor)

    def forward(self, x):
        assert_kernel[(1,)](x, x.numel(), BLOCK=64)
        N, _, H, W = x.shape
        return torch.zeros((N, 1, H - 2, W - 2), device=x.device)
