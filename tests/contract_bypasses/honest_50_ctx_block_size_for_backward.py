# Session 27: refused before (every `ctx.attr` was typed a tensor, so backward's launch `BLOCK=ctx.block` took a
# tensor as a constexpr); a ctx attribute that only ever stores Python values, on ctx, is a Python value now.
# HONEST: Liger-Kernel's style: forward keeps its block size and element count on ctx, backward launches with them.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _scale_kernel(src_ptr, dst_ptr, n, k, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask) * k, mask=mask)


class ScaleOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, v, k):
        n = v.numel()
        block = min(triton.next_power_of_2(n), 1024)
        out = torch.empty_like(v)
        _scale_kernel[(triton.cdiv(n, block),)](v, out, n, k, BLOCK=block)
        ctx.block, ctx.n, ctx.k = block, n, k
        ctx.steps = ctx.n // ctx.block
        return out

    @staticmethod
    def backward(ctx, g):
        dv = torch.empty_like(g)
        _scale_kernel[(triton.cdiv(ctx.n, ctx.block),)](g, dv, ctx.n, ctx.k, BLOCK=ctx.block)
        return dv, None


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = 0.5

    def forward(self, x):
        return ScaleOp.apply(x.contiguous(), self.scale * 2.0)
