# `r = yield from inner(b)` binds r to what inner returns (b, the list box), but Places._references has no case for
# a YieldFrom (FIXED_KINDS types it a tensor, and only-tensors: _only_tensors), so r shares nothing: `r[0] = v` marks
# nothing, outer's b is no holding parameter, and box stays PY. `box[0] * 2` runs aten mul on the input, float(...)
# reads a value.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)

def inner(b):
    return b
    yield


def outer(b, v):
    r = yield from inner(b)
    r[0] = v
    yield 0


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        box = [0.0]
        for _ in outer(box, x):
            pass
        s = box[0] * 2
        v = float(box[0].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
