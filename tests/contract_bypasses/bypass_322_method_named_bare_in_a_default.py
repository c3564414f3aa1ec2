# Session 28 second red team: passed at 8872f60. A default argument names the method bare in its class's scope
# (`def _twin(self, f=_make_layer)`) and calls it with nn.LeakyReLU, a call _call_sites never saw, so the block
# parameter was taken to hold BasicBlock alone and self.last(x) for an own block.
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
    def _make_layer(self, block, blocks):
        layers = []
        for _ in range(blocks):
            layers.append(block(0.0))
        self.last = block(0.0)
        return nn.Sequential(*layers)

    def _twin(self, f=_make_layer):
        f(self, nn.LeakyReLU, 1)

    def __init__(self, num_classes=1000):
        super().__init__()
        self.layer1 = self._make_layer(BasicBlock, 2)
        self._twin()

    def forward(self, x):
        x = copy(x)
        for blk in self.layer1:
            x = blk(x)
        return self.last(x)
