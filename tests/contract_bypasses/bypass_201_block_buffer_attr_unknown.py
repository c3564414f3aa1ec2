# attack_06_block_buffer_attr_unknown
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

# R4: an attribute of a block instance (`blk.w`) is typed from self_kinds (kinds._attribute_kind); a buffer
# registered in the block's __init__ -- is it a tensor to the gate?

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("w", torch.ones(8))

    def forward(self, x):
        return launch_copy(x)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block()])

    def forward(self, x):
        for blk in self.blocks:
            s = blk.w * 2  # compute
            v = float(blk.w[0])
        return launch_copy(x)
