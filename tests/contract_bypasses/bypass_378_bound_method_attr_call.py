# Session 29 fourth red team: passed the gate of 522e2ce with the fixes of bypass_368..372.
# Init stores a bound method in an instance attribute (`self.f = self.make`) and calls it: `self.f()` has a SELF
# receiver, so Kinds._self_call_kind returns self.returns.get('f', UNKNOWN) (kinds.py:1059): no method named f,
# so UNKNOWN, though make returns torch.zeros(1000); forward's `self.buf * 2` is no TENSOR operand.
# Fixed: `obj.f(...)` returns what a def returns only where f is a plain def of this module's classes (no property,
# no attribute stored under f); any other call through self is typed a tensor.
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
    def make(self):
        return torch.zeros(1000)

    def __init__(self):
        super().__init__()
        self.f = self.make
        self.buf = self.f()

    def forward(self, x):
        n = x.numel()
        _copy_kernel[(triton.cdiv(n, 256),)](x, self.buf, n, BLOCK=256)
        y = self.buf * 2  # compute
        return copy(y)
