# attack_02_param_shadows_class_attr
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

# R4: as attack_01, with a plain attribute: `self.h = Block(8, 8)` inside a helper whose parameter is named
# Block (given nn.Linear); `self.h(x)` passes as Block.forward and runs nn.Linear.

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
        self.h = Block(8, 8)

    def forward(self, x):
        y = self.h(x)  # compute: nn.Linear
        return launch_copy(y)
