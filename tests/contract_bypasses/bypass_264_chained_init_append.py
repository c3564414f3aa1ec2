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


# ModuleList.append returns the list itself. `self.blocks.append(Block())` is an init append (_init_append) and
# keeps blocks "unchanged"; the chained `.append(nn.Linear(8, 8))` has a call as its receiver, which no rule reads
# as a store into blocks. `for blk in self.blocks: x = blk(x)` passes as Block.forward and runs the nn.Linear.

class Block(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return launch_copy(x)


class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.blocks = nn.ModuleList()
        self.blocks.append(Block()).append(nn.Linear(8, 8))

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)  # compute: the second item is nn.Linear (aten addmm)
        return launch_copy(x)
