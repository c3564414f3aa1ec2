# A property setter is called by an assignment (`self.p = x`), not by a Call node, so Inference._note_args never
# binds its value parameter: `v` in the setter has no call site and no default, hence UNKNOWN, and `self._v = v`
# types self._v UNKNOWN too (the assignment `self.p = x` types only the attribute `p`). Reading self._v back in
# forward gives the input tensor typed UNKNOWN: `self._v * 2` runs aten mul, float(...) reads a value. The setter
# body could compute on `v` directly as well. bypass_04/66 used a getter; the getter's return is typed now.
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

    @property
    def p(self):
        return 0

    @p.setter
    def p(self, v):
        self._v = v

    def forward(self, x):
        self.p = x
        s = self._v * 2
        v = float(self._v.reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
