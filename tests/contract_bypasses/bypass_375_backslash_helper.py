# Session 29 fourth red team: passed the gate of 522e2ce with the fixes of bypass_368..372.
# As 01 in a jit helper the launched kernel calls (like 369): the helper's fake doubles the block with torch.
# Fixed: As 373, in a jit helper.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _scale(v):
    tl.static_assert(True, """scale\
def _scale(v):
    v.handle.data = torch.from_numpy(v.handle.data).mul(2).numpy()  # compute
    return v
    #""")
    return v


@triton.jit
def _twice_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, _scale(tl.load(x_ptr + offs, mask=m)), mask=m)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        n = x.numel()
        y = torch.empty_like(x)
        _twice_kernel[(triton.cdiv(n, 256),)](x, y, n, BLOCK=256)
        return y

