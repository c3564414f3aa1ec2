import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def scale_kernel(x_ptr, y_ptr, n, s, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=mask) * s, mask=mask)


class Block(nn.Module):
    def __init__(self, stride):
        super().__init__()
        self.stride = stride


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block(1), Block(2)])

    def forward(self, x):
        for blk in self.blocks:
            y = torch.empty_like(x)
            scale_kernel[(triton.cdiv(x.numel(), 256),)](x, y, x.numel(), blk.stride, BLOCK=256)
            x = y
        return x
