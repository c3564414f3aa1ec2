# attack_04_children_append
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

# R4: the ModuleList is grown through self.children() in __init__ (no `.blocks` attribute node is used other
# than iterated), so `for blk in self.blocks` is still "only Block"; the appended nn.Linear runs.

class Block(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return launch_copy(x)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block()])
        for m in self.children():
            m.append(nn.Linear(8, 8))

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)  # compute: nn.Linear
        return launch_copy(x)
