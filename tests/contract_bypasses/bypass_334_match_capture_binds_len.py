# Session 28 sixth red team: passed at 4ae3470. `case [len]:` binds len to a function storing LeakyReLU into self.head, read as the builtin counting it.
# Match captures (and `except ... as`) now count among the names the module binds, and no allowed builtin's name is bound.
# Session 28 fifth red team: passed at dd4a6b8 (bypass_331 without the handed container: self.head).
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


def _evil(s):
    s[0] = nn.LeakyReLU(0.5)
    return 1


class Tri(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return copy(x)


class Block(nn.Module):
    def __init__(self, c, downsample=None):
        super().__init__()
        self.downsample = downsample

    def forward(self, x):
        if self.downsample is not None:
            return self.downsample[0](x)
        return copy(x)


class ModelNew(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer1 = self._make_layer(Block, c)
        self.head = nn.Sequential(Tri())
        match [_evil]:
            case [len]:
                self.n = len(self.head)

    def _make_layer(self, block, c):
        downsample = None
        if c > 0:
            downsample = nn.Sequential(Tri())
        layers = []
        layers.append(block(c, downsample))
        return nn.Sequential(*layers)

    def forward(self, x):
        for blk in self.layer1:
            x = blk(x)
        return self.head[0](x)
