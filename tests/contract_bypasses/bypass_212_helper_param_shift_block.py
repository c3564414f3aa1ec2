# attack_17_helper_param_shift_block
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

# R4 (+ helper parameter of R3's _param_classes): run's parameter `blk` is resolved from its call sites
# (_call_sites counts `self.run(...)` where self is a method's first parameter). In hop, `self` is really the
# class (a classmethod passes cls as hop's self: `cls.hop(cls, ...)`), so `self.run(Block(), lin, x)` is an
# unbound call: blk is `lin` (an nn.Linear), not Block(). `blk(x)` passes as Block.forward, runs nn.Linear.

class Block(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return launch_copy(x)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)

    def run(self, blk, x):
        return blk(x)  # compute: nn.Linear at run time

    def hop(self, lin, x):
        return self.run(Block(), lin, x)

    @classmethod
    def go(cls, lin, x):
        return cls.hop(cls, lin, x)

    def forward(self, x):
        y = self.go(self.lin, x)
        return launch_copy(y)
