# attack_07_replaced_item_weight_unknown
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

# R4: item replaced through get_submodule (attack_03); `blk.weight` is read "like self's attributes", and no
# store names `weight`, so it is UNKNOWN: `blk.weight * 2` and float(...) pass while it is nn.Linear's weight.

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

    @torch.no_grad()
    def forward(self, x):
        for blk in self.blocks:
            blk.weight.copy_(x)
            s = blk.weight * 2  # compute
            v = float(blk.weight[0, 0])
        return launch_copy(x)
