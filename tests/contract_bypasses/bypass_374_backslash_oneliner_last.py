# Session 29 fourth red team: passed the gate of 522e2ce with the fixes of bypass_368..372.
# As 01 with a single-quoted string on the body's last line: the fake is a one-line def.
# Fixed: As 373.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _twice_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)
    tl.static_assert(True, "copy\
def _twice_kernel(x_ptr: tl.constexpr, y_ptr: tl.constexpr, n, BLOCK: tl.constexpr): y_ptr.copy_(x_ptr * 2)  # compute")


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        n = x.numel()
        y = torch.empty_like(x)
        _twice_kernel[(triton.cdiv(n, 256),)](x, y, n, BLOCK=256)
        return y

