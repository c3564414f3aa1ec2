# `[box] * 2` (or `outer + []`) is a new list holding box's very object, but Places._references gives nothing for a
# BinOp, so rows shares no object with box: `rows[0][0] = x` marks rows only. box stays PY, box[0] UNKNOWN, and
# `box[0] * 2` runs aten mul on the input, float(...) reads a value.
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
        rows = [box] * 2
        rows[0][0] = x
        s = box[0] * 2
        v = float(box[0].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
