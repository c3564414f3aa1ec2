# Session 28 red team: passed the gate at the first cut of _returned_layers (uncommitted, 2026-12-07): _make_layer is a
# generator, so self.layer1 holds the generator and its yielded LeakyReLU(0.0), not the Sequential its return builds.
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
    def __init__(self, num_classes=1000):
        super().__init__()
        self.act = nn.LeakyReLU(0.0)
        self.layer1 = self._make_layer(BasicBlock, 2)

    def _make_layer(self, block, blocks):
        layers = []
        layers.append(block(0))
        while True:
            yield self.act
        return nn.Sequential(*layers)

    def forward(self, x):
        x = copy(x)
        for blk in self.layer1:
            x = blk(x)
            break
        return x
