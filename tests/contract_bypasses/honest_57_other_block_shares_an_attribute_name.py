# Session 27: refused before (every store into an attribute named conv1, on any class's self, decided what
# self.conv1 holds, and the other block's was built from untyped arguments). Stores on the self of an unrelated
# class (neither base nor subclass) no longer count.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def scale_kernel(x_ptr, y_ptr, n, s, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m) * s, mask=m)


def helper(x, conv):
    s = conv.stride[0]
    y = torch.empty_like(x)
    n = x.numel()
    scale_kernel[(triton.cdiv(n, 128),)](x, y, n, s, BLOCK=128)
    return y


class Other(nn.Module):          # unused; only shares the attribute name `conv1`
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3)

    def forward(self, x):
        return x


class ModelNew(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, stride=2)

    def forward(self, x):
        return helper(x, self.conv1)
