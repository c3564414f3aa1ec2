# CopyOp.apply(box, x) calls Stash.forward(ctx, box, x), but Inference._callees does not follow `apply` to the
# Function's forward, so the call's arguments are never noted; Inference._params types every parameter of an
# autograd.Function method as TENSOR, with no call-site alternatives in bound_kinds. Places._only_tensors then
# takes `v` for a local only ever bound to tensors, so `v[0] = t` (the list box getting the input) is a data copy
# that makes nothing hold a tensor. box stays PY, box[0] is UNKNOWN: `box[0] * 2` runs aten mul, float(...) reads.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class Stash(torch.autograd.Function):
    @staticmethod
    def forward(ctx, v, t):
        v[0] = t
        return t.clone()

    @staticmethod
    def backward(ctx, g, h):
        return g


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        box = [0.0]
        y = Stash.apply(box, x)
        s = box[0] * 2
        v = float(box[0].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
