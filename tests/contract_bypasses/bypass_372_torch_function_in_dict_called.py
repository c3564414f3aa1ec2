# Session 29 third red team: passed at 522e2ce.
# As 02 without a lambda: `{'f': torch.zeros}['f'](1000)` in init calls torch.zeros through a dict item; the
# call's func is a Subscript, which _call_kind types UNKNOWN (kinds.py:1086) and Calls._call accepts in init code,
# so self.buf is UNKNOWN and forward's `self.buf * 2` passes.
# Fixed: As 371.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


def copy(x):
    y = torch.empty_like(x)
    _copy_kernel[(triton.cdiv(x.numel(), 256),)](x, y, x.numel(), BLOCK=256)
    return y


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.buf = {'f': torch.zeros}['f'](1000)

    def forward(self, x):
        n = x.numel()
        _copy_kernel[(triton.cdiv(n, 256),)](x, self.buf, n, BLOCK=256)
        y = self.buf * 2  # compute
        return copy(y)
