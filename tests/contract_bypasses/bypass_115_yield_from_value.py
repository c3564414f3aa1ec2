# The value of a `yield from` expression is the inner generator's return value: `r = yield from inner(v)` binds r
# to the input tensor itself (inner returns its parameter). contract.kind() has no case for ast.YieldFrom (nor
# ast.Await / ast.Yield), so r is UNKNOWN, and a tensor of unknown kind passes every operand check: `r * 2` runs aten
# mul in host code and float(r[0, 0]) reads a value into Python (checked on CPU: outer() yields 2*x and the float).
# forward only iterates outer's generator; what it yields is a tensor computed by PyTorch, copied by the kernel.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)




def inner(v):
    return v
    yield 0


def outer(v):
    r = yield from inner(v)
    s = float(r[0, 0]) + 1.0
    yield r * 2  # compute


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        out = torch.empty_like(x)
        for y in outer(x):
            copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out
