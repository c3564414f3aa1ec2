# Places._references follows a call of this module's function to the objects it returns (_returned_table, from
# `return` statements) and to its arguments when a `return` mentions a parameter (_returns_parameter). A generator
# gives its objects by `yield`, which neither reads: `for b in each(box)` binds b to box's object but shares it
# with nothing. `b[0] = x` marks only b; box stays PY, box[0] is UNKNOWN, and `box[0] * 2` runs aten mul on the
# input; float(...) reads a value.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def each(b):
    yield b


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        box = [0.0]
        for b in each(box):
            b[0] = x
        s = box[0] * 2
        v = float(box[0].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
