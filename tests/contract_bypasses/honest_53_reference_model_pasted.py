# Session 27: refused before (Model.forward calls its layer and torch.relu, judged as host code).
# HONEST: an LLM pastes the reference Model, its sizes and get_inputs beside ModelNew; nothing names Model, so no
# instance of it can exist and its methods are judged as init code.
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


batch_size = 4
dim = 8


class Model(nn.Module):
    """The reference, as the prompt gave it."""

    def __init__(self, dim=8, depth=2):
        super().__init__()
        self.lin = nn.Linear(dim, dim)

    def forward(self, x):
        return torch.relu(self.lin(x)) * 2.0


def get_inputs():
    return [torch.randn(batch_size, dim)]


def get_init_inputs():
    return [dim, 2]


class ModelNew(nn.Module):
    def __init__(self, dim=8, depth=2):
        super().__init__()
        self.blocks = nn.ModuleList([Block(dim) for _ in range(depth)])

    def forward(self, x):
        for i, blk in enumerate(self.blocks):
            x = blk(x) if i % 2 == 0 else blk.forward(x)
        x = self.blocks[0](x)
        return x
