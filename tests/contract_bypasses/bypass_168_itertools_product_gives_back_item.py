# itertools.product (the one allowed itertools name) yields tuples of its arguments' very items, but
# Places._references follows a library call's result only for typing.cast: `for (b,) in itertools.product([box])`
# binds b to the list box without sharing its object (_bind_loop -> _share_all -> _references returns []). `b[0] = x`
# marks only b; box stays PY, box[0] is UNKNOWN, and `box[0] * 2` runs aten mul on the input, float(...) reads a
# value (_local_scalar_dense). Same class: triton.Config(box).kwargs (bypass_169), tl.constexpr(box).value,
# TensorDescriptor(x, shape, ...).shape: a library object that keeps the object it was given.
import itertools
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
        for (b,) in itertools.product([box]):
            b[0] = x
        s = box[0] * 2
        v = float(box[0].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
