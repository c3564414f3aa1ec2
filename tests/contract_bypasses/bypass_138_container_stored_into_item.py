# Places._bind shares objects only for a Name target and for an attribute of self: `d["k"] = box` stores the list
# box into d without recording that d["k"] is box's object (the append/extend/update forms are shared in
# _flow_effect, the subscript store is not). `d["k"][0] = x` then marks only d as holding a tensor; box stays PY,
# box[0] is UNKNOWN, and `box[0] * 2` runs aten mul on the input; float(...) reads a value. An attribute store on
# anything but self (`obj.box = box`) and `a[i] = box` are the same.
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
        d = {}
        d["k"] = box
        d["k"][0] = x
        s = box[0] * 2
        v = float(box[0].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
