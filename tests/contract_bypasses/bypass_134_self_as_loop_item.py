# Inference._bind_loop binds a loop target to TENSOR when the iterable may hold a tensor and to UNKNOWN otherwise:
# the SELF kind of `self` (or of an own instance) is lost through `for m in [self]`. A store into an attribute of
# an UNKNOWN receiver only marks the receiver (Places._bind -> _holds(m)); it never reaches self_kinds, which is
# kept only for receivers typed SELF. So `m.t = x` stores the input on self while self_kinds has no `t`, and
# self.t is UNKNOWN: `self.t * 2` runs aten mul, float(...) reads a value. Any route that makes self an item
# (`lst[i].t = x` with a computed index, `case m:` on a list of self) does the same.
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
        for m in [self]:
            m.t = x
        s = self.t * 2
        v = float(self.t.reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
