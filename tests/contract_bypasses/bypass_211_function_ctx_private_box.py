# attack_16_function_ctx_private_box
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

# R1: in a torch.autograd.Function, `ctx` is the first parameter of a method of Op, so `ctx._box` passes the
# private-name rule when Op's body defines `_box` (operands._own_private / _class_members). The store
# `ctx._box = x` puts the input there; is `ctx._box * 2` then typed a tensor?

class Op(torch.autograd.Function):
    _box = 0

    @staticmethod
    def forward(ctx, x):
        ctx._box = x
        s = ctx._box * 2  # compute
        v = float(ctx._box.reshape(-1)[0])
        return launch_copy(x)

    @staticmethod
    def backward(ctx, g):
        return g


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return Op.apply(x)
