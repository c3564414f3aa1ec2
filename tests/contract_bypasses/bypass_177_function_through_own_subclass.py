# Inference._autograd_function looks at a class's direct bases only: Fill(Base), Base an autograd.Function, is none,
# so `Fill.apply(box, x)` is no apply (Places._applied): Base.forward's parameters are not bound from its arguments
# (they are tensors, torch's), and _held_arguments never carries `b[0] = v` back to box. Calls._method_call allows
# `Fill.apply` because some class of the module defines a method `apply` (Pool). At run time Function.apply runs
# Base.forward(ctx, box, x): box[0] is the input, and `box[0] * 2` runs aten mul, float(...) reads a value.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)

class Base(torch.autograd.Function):
    @staticmethod
    def forward(ctx, b, v):
        b[0] = v
        return v.view_as(v)

    @staticmethod
    def backward(ctx, g):
        return None, g


class Fill(Base):
    pass


class Pool:
    def apply(self, v):
        return v


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        box = [0.0]
        Fill.apply(box, x)
        s = box[0] * 2
        v = float(box[0].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
