# honest_25 runs an autograd.Function through CopyOp.apply(x), and Calls._method_call allows `apply` on such a
# class. But Kinds._call_kind types `CopyOp.apply(x)` as returns["apply"] for a SELF receiver (the class name is
# SELF): no function here is named apply, so the result is UNKNOWN, although apply returns what the Function's
# forward returns, a tensor (a copy of the input made by the Triton kernel). `y * 2` on that UNKNOWN runs aten
# mul; float(...) reads a value.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class CopyOp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, v):
        out = torch.empty_like(v)
        n = v.numel()
        copy_kernel[(triton.cdiv(n, 256),)](v, out, n, BLOCK=256)
        return out

    @staticmethod
    def backward(ctx, g):
        return g


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        y = CopyOp.apply(x)
        s = y * 2
        v = float(y.reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
