# Places._fresh_library says no torch call shares an object with its arguments, so _call_references gives nothing for
# nn.ParameterDict({"a": box}); but ParameterDict stores a non-tensor value as it is (setattr): pd["a"] is box. The
# slice store `pd["a"][1:] = [x]` (an allowed subscript store: its bounds are PY) marks only pd; box stays PY and
# box[1] UNKNOWN: `box[1] * 2` runs aten mul on the input, float(...) reads a value. nn.ParameterList([box]) and
# nn.ModuleDict/Sequential attributes keep objects the same way.
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
        pd = nn.ParameterDict({"a": box})
        pd["a"][1:] = [x]
        s = box[1] * 2
        v = float(box[1].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
