# Places._fresh_library says every triton.language call but tl.constexpr gives back nothing it was given; tl.tuple
# keeps its values list (`self.values = [i for i in args]`) and __getitem__ returns the very item. With an explicit
# type (skipping the value type check), tl.tuple([box], [tl.int32])[0] is box, but `.append(x)` on it marks no place
# (_holds -> _references of a fresh library call is []). box stays PY, box[1] UNKNOWN: `box[1] * 2` runs aten mul,
# float(...) reads a value. tl.pointer_type(box).element_ty, gluon layouts and tl.tensor(handle, type) keep theirs too.
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
        tl.tuple([box], [tl.int32])[0].append(x)
        s = box[1] * 2
        v = float(box[1].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
