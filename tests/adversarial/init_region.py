"""Attack (session 22 red team): every class's `__init__` was the gate's init region, where PyTorch may compute
(weights are all it sees), even for a helper class that forward builds from the input on every call. Its
`__init__` switches the operator audit off and runs F.conv2d and torch.amin; a Triton copy kernel moves the result.
It was `correct` on the CPU, bit for bit.

Static: the init region is ModelNew's `__init__` and the classes only it builds; a class built from forward is
host code (torch_compute). On the CPU nothing behind the gate sees this (the candidate switches the audit off);
on a GPU, ncu's kernel list would show cuDNN's convolution.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class Prepared:
    def __init__(self, x, weight, bias, scale):
        with torch.utils._python_dispatch._disable_current_modes():
            y = F.conv2d(x, weight, bias) * scale
            self.value = torch.amin(y, dim=1, keepdim=True).contiguous()


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, scale_factor):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.scale_factor = float(scale_factor)

    def forward(self, x):
        p = Prepared(x, self.conv.weight, self.conv.bias, self.scale_factor)
        src = p.value
        out = torch.empty(src.shape, device=x.device, dtype=torch.float32)
        n = src.numel()
        copy_kernel[(triton.cdiv(n, 256),)](src, out, n, BLOCK=256)
        return out
