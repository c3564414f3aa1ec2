# attack_09_block_param_via_add_module_parent
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

# R4: Block gets a tensor attribute through nn.Module registration done on it from outside:
# `b.register_parameter("scale", ...)` in ModelNew.__init__.

class Block(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return launch_copy(x)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.blk = Block()
        self.blk.register_parameter("scale", nn.Parameter(torch.ones(8)))

    @torch.no_grad()
    def forward(self, x):
        blk = self.blk
        blk.scale.copy_(x[0])
        s = blk.scale * 2  # compute
        v = float(blk.scale[0])
        return launch_copy(x)
