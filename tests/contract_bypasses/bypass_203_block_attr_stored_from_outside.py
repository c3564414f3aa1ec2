# attack_08_block_attr_stored_from_outside
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

# R4: the block's attribute is stored from ModelNew.__init__ on a local (`b.scale = ...`), not on self inside
# Block; `blk.scale` (kinds._attribute_kind: typed like self's attributes) -- does self_kinds know it?

class Block(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return launch_copy(x)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        b = Block()
        b.scale = nn.Parameter(torch.ones(8))
        self.blocks = nn.ModuleList([Block()])
        self.blocks = nn.ModuleList([b])

    @torch.no_grad()
    def forward(self, x):
        for blk in self.blocks:
            blk.scale.copy_(x[0])
            s = blk.scale * 2  # compute
            v = float(blk.scale[0])
        return launch_copy(x)
