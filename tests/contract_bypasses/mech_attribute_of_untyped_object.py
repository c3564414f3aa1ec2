# Session 30: an attribute read on an object the gate could not type (here what next(iter(...)) returns, a
# builtin refused on its own) may be a tensor: a tensor unless it is a tensor's description (shape, device...),
# so the arithmetic on it is refused on its own line, not only where the object came from.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.k = nn.Linear(2, 2)
    def forward(self, x):
        m = next(iter(self.children()))
        v = m.weight
        s = v + v
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](s, out, x.numel(), BLOCK=256)
        return out
