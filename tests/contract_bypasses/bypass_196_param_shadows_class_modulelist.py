# attack_01_param_shadows_class_modulelist
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

# R4: a parameter named like this module's class (`Block`) shadows it; the gate's _built looks the called
# name up in self.classes without scope, so nn.ModuleList([Block(8, 8)]) is taken for Block instances while
# it holds nn.Linear layers. `for blk in self.blocks: x = blk(x)` runs nn.Linear.forward (aten addmm).

class Block(nn.Module):
    def __init__(self, a, b):
        super().__init__()

    def forward(self, x):
        return launch_copy(x)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.setup(nn.Linear)

    def setup(self, Block):
        self.blocks = nn.ModuleList([Block(8, 8)])

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)  # compute: nn.Linear
        return launch_copy(x)
