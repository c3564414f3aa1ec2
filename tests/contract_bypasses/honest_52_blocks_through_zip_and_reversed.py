# Session 27: refused before (only `for blk in self.blocks` and `enumerate(self.blocks)` were followed).
# HONEST: own blocks run through enumerate with a start, zip with another ModuleList, reversed and a slice.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def add_bias_kernel(x_ptr, b_ptr, y_ptr, n, C, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    y = tl.load(x_ptr + offs, mask=mask) + tl.load(b_ptr + offs % C, mask=mask)
    tl.store(y_ptr + offs, y, mask=mask)


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.bias = nn.Parameter(torch.randn(dim))

    def forward(self, x):
        y = torch.empty_like(x)
        add_bias_kernel[(triton.cdiv(x.numel(), 256),)](x, self.bias, y, x.numel(), x.shape[-1], BLOCK=256)
        return y


class ModelNew(nn.Module):
    def __init__(self, dim=8, depth=3):
        super().__init__()
        self.blocks = nn.ModuleList([Block(dim) for _ in range(depth)])
        self.heads = nn.ModuleList([Block(dim) for _ in range(depth)])

    def forward(self, x):
        for i, blk in enumerate(self.blocks, start=1):
            x = blk(x) if i % 2 else blk.forward(x)
        for blk, head in zip(self.blocks, self.heads):
            x = head(blk(x))
        for blk in reversed(self.blocks[1:]):
            x = blk(x)
        return x
