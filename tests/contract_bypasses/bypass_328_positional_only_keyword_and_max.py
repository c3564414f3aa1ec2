# Session 28 fourth red team: passed at a989362. `def __init__(self, in_channels, stride=1, /, **kw)` called as
# `block(c, max([self.box]), stride=1)`: the keyword lands in kw, not in the positional-only stride, and max() of a
# list holding a tensor was typed a Python value, so self.stride = stride held the tensor forward computes on.
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
    n = x.numel()
    _copy_kernel[(triton.cdiv(n, 256),)](x, y, n, BLOCK=256)
    return y


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_channels, stride=1, /, **kw):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, in_channels, kernel_size=3, padding=1, bias=False)
        self.stride = stride

    def forward(self, x):
        n = x.numel()
        _copy_kernel[(triton.cdiv(n, 256),)](x, self.stride, n, BLOCK=256)
        y = self.stride * 2  # compute
        return copy(y)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.in_channels = 4
        self.box = torch.zeros(2 * 4 * 5 * 5)
        self.layer1 = self._make_layer(BasicBlock, 4, 1)

    def _make_layer(self, block, out_channels, blocks, stride=1):
        layers = []
        layers.append(block(self.in_channels, max([self.box]), stride=1))
        return nn.Sequential(*layers)

    def forward(self, x):
        for blk in self.layer1:
            x = blk(x)
        return x
