# Session 28: a class a parameter holds (_held_class) is built where that function runs: here from forward, with
# the input, so its __init__ is host code (regions' built_by counts held calls), not init code.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


class Box(nn.Module):
    def __init__(self, x):
        super().__init__()
        self.out = torch.relu(x) * 2.0  # compute


class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.keep = Box(torch.zeros(n))

    def _make(self, block, x):
        return block(x)

    def forward(self, x):
        b = self._make(Box, x)
        y = torch.empty_like(x)
        _copy_kernel[(triton.cdiv(x.numel(), 128),)](b.out, y, x.numel(), BLOCK=128)
        return y
