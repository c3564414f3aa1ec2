# Places._references follows the objects a call gives back only through this module's functions, the
# CONTAINER_BUILTINS (list, sorted, zip...), typing.cast and .get/.pop/.copy. min(), max() and sum(xs, start)
# return one of their arguments (the very object), but are typed PY and are no reference: `a = min(box, other,
# key=len)` makes `a` the list `box`, yet `a[0] = x` marks only `a` as holding a tensor, never `box`. box stays PY,
# box[0] is UNKNOWN (a Subscript of a non-container), and UNKNOWN operands are not refused: `box[0] * 2` runs aten
# mul on the input and float(...) reads a value (_local_scalar_dense). min(...)'s own operand check passes because
# box and other are PY when it is judged. Same hole: `flat = sum([[box]], [])` (a new list holding box).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        box = [0.0]
        other = [1.0, 2.0]
        a = min(box, other, key=len)
        a[0] = x
        s = box[0] * 2
        v = float(box[0].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
