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


# The same scope gap on the block rule: _classes_now reads blk's bindings in forward's own scope only, so a nested
# def's `nonlocal blk; blk = self.lin` is missed; blk is "a Block" and `blk(x)` passes as Block.forward, running
# nn.Linear (aten addmm).

class Block(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return launch_copy(x)


class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.block = Block()
        self.lin = nn.Linear(8, 8)

    def forward(self, x):
        blk = self.block

        def swap():
            nonlocal blk
            blk = self.lin

        swap()
        y = blk(x)  # compute: nn.Linear
        return launch_copy(y)
