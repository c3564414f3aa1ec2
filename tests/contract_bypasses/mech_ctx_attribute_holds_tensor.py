import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def launch_copy(x):
    out = torch.empty_like(x)
    copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
    return out


# Session 27 types `ctx.n` a Python value where every store into an attribute named n is a Python value on a ctx.
# Here one Function keeps a size under that name and another keeps the input: the second one's backward computes
# on it. Refused: one store of a tensor makes every ctx.n a tensor.


class SizeOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, v):
        ctx.n = v.numel()
        return launch_copy(v)


class KeepOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, v):
        ctx.n = v
        return launch_copy(v)

    @staticmethod
    def backward(ctx, g):
        s = float(ctx.n[0, 0])
        out = torch.empty_like(g)
        out.copy_(ctx.n * 2.0 + s)  # compute
        return out


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return KeepOp.apply(SizeOp.apply(x))
