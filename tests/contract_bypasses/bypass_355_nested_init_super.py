# Session 29 red team: passed at fee6843.
# a def named __init__ nested in a block's forward calls `super().__init__(x)`. The gate allows
# `super().__init__` wherever the enclosing def is *named* __init__ (Operands._attribute: in_init), and judges
# Base.__init__ as init code (Blk, built only in ModelNew.__init__, inherits it), so forward reruns init code on x.
# Fixed: super().__init__ is allowed only in a class's own __init__, not a nested def named __init__.
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


class Base(nn.Module):
    def __init__(self, v=None):
        super().__init__()
        self.out = None
        if v is not None:
            self.out = v * 2  # compute


class Blk(Base):
    def forward(self, x):
        def __init__(me, v):
            super().__init__(v)

        __init__(self, x)
        return copy(self.out)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.blk = Blk()

    def forward(self, x):
        return self.blk(x)
