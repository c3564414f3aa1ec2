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


# add_module(name=..., module=...) by keyword in __init__ replaces the Block stored as self.h with an nn.Linear;
# _attribute_values/_stored_attributes read args[0] only, so self.h is still "a Block" and self.h(x) passes.

class Block(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return launch_copy(x)


class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.h = Block()
        self.add_module(name="h", module=nn.Linear(8, 8))

    def forward(self, x):
        y = self.h(x)  # compute: nn.Linear (aten addmm)
        return launch_copy(y)
