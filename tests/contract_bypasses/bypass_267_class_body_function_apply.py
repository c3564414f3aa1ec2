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


# Same gap as attack_08 on an autograd.Function: `apply = nn.Linear(8, 8)` as a class constant is no def, so
# _library_overrides does not see Function.apply redefined; `CopyOp.apply(x)` passes as the way the Function
# runs (typed as CopyOp.forward) and calls the nn.Linear (aten addmm).

class CopyOp(torch.autograd.Function):
    apply = nn.Linear(8, 8)

    @staticmethod
    def forward(ctx, x):
        return launch_copy(x)

    @staticmethod
    def backward(ctx, g):
        return g


class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()

    def forward(self, x):
        y = CopyOp.apply(x)  # compute: nn.Linear
        return launch_copy(y)
