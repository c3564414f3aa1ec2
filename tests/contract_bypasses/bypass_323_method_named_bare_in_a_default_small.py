# Session 28 second red team: passed at 8872f60 (the smallest form of bypass_322).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=mask), mask=mask)


def copy(x):
    y = torch.empty_like(x)
    BLOCK = 256
    _copy_kernel[(triton.cdiv(x.numel(), BLOCK),)](x, y, x.numel(), BLOCK=BLOCK)
    return y


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, a, b=0):
        super().__init__()
        self.a = a

    def forward(self, x):
        return copy(x)


class ModelNew(nn.Module):
    def _make_layer(self, block, a):
        self.b1 = block(a)

    def _other(self, f=_make_layer):
        f(self, nn.LeakyReLU, 0.0)

    def __init__(self):
        super().__init__()
        self._make_layer(BasicBlock, 0.0)
        self._other()

    def forward(self, x):
        x = copy(x)
        return self.b1(x)
