# HONEST: a torch.autograd.Function wrapper (an allowed base, CLASS_BASES) whose forward launches the Triton kernel,
# called the only way PyTorch allows, CopyOp.apply(x). No tensor value is read. Refused because `apply` is not a
# method defined by the module's classes (contract._method_call on a class receiver).
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
    def forward(ctx, x):
        out = torch.empty_like(x)
        n = x.numel()
        copy_kernel[(triton.cdiv(n, 256),)](x, out, n, BLOCK=256)
        return out

    @staticmethod
    def backward(ctx, g):
        return g


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return CopyOp.apply(x.contiguous())
