# Inference._note_callbacks follows a callable given to a call only as a lambda or a Name (a def); `key=self.stash`
# is an Attribute, so the method's parameter `item` gets no kind from sorted's arguments and what stash stores into
# it (`item.append(self.t)`, a tensor) is never carried back to the list box it is called with (bypass_174 with a
# bound method instead of a lambda). box stays PY, box[1] UNKNOWN: `box[1] * 2` runs aten mul on the input and
# float(...) reads a value. min/max(key=...), list.sort(key=...) and a helper instance's method are the same.
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

    def stash(self, item):
        item.append(self.t)
        return 0

    def forward(self, x):
        self.t = x
        box = [0.0]
        sorted([box], key=self.stash)
        s = box[1] * 2
        v = float(box[1].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
