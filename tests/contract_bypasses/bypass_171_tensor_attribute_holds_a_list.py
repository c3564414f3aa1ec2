# A tensor takes any Python attribute: `x.note = box`. Kinds._attribute_kind types every attribute of a tensor as a
# tensor, and _alternatives adds no ANY for an attribute of a tensor, so `y = x.note` is a local only ever bound to
# tensors (Places._only_tensors): `y[0] = x` marks nothing (a store into a tensor copies data), though y is the list
# box. box stays PY, box[0] UNKNOWN: `box[0] * 2` runs aten mul on the input, float(...) reads a value.
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
        x.note = box
        y = x.note
        y[0] = x
        s = box[0] * 2
        v = float(box[0].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
