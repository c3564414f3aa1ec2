import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)



def f0(v):
    return f1(v) or f1(v) or f1(v) or f1(v)


def f1(v):
    return f2(v) or f2(v) or f2(v) or f2(v)


def f2(v):
    return f3(v) or f3(v) or f3(v) or f3(v)


def f3(v):
    return f4(v) or f4(v) or f4(v) or f4(v)


def f4(v):
    return f5(v) or f5(v) or f5(v) or f5(v)


def f5(v):
    return f6(v) or f6(v) or f6(v) or f6(v)


def f6(v):
    return v or v or v or v


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        n = f0(x.numel())
        s = 0
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
