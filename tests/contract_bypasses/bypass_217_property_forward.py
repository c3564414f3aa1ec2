# attack_22_property_forward
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


def launch_copy(x):
    out = torch.empty_like(x)
    copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
    return out

# R4: Block.forward is a @property (an allowed decorator) returning the nn.Linear it holds. The gate follows
# `self.block(x)` into that def (Calls._block_forward), whose body only returns a layer; nn.Module.__call__ reads
# self.forward, gets the nn.Linear, and calls it with x (aten addmm).

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)

    @property
    def forward(self):
        return self.lin


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()

    def forward(self, x):
        y = self.block(x)  # compute: nn.Linear
        return launch_copy(y)
