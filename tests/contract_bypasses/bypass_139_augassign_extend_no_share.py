# `a += [box]` extends a in place with box's object, like a.extend([box]). _flow_effect shares the receiver with
# the arguments of extend/append/update, but Inference._flow_node binds an AugAssign target with value None
# (no _share) and marks it as holding only when the added value holds a tensor: [box] is PY here. So `a[0]` is box,
# `a[0][0] = x` marks only a, box stays PY, and `box[0] * 2` runs aten mul on the input; float(...) reads a value.
# `d |= {"k": box}` is the same for dicts.
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
        a = []
        a += [box]
        a[0][0] = x
        s = box[0] * 2
        v = float(box[0].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
