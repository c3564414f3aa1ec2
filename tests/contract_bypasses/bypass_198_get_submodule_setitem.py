# attack_03_get_submodule_setitem
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

# R4: Kinds._changed_attributes looks only at `.blocks` attribute nodes; __init__ may call nn.Module's
# get_submodule (INIT_MODULE_METHODS) and store an item into the ModuleList it returns without naming the
# attribute. The gate still takes every item of self.blocks for a Block; blk(x) runs nn.Linear.

class Block(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return launch_copy(x)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block()])
        self.get_submodule("blocks")[0] = nn.Linear(8, 8)

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)  # compute: nn.Linear
        return launch_copy(x)
