# attack_10_class_constant_shadows_submodule
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

# R4: a class-body constant `h` shadows the submodule stored as self.h: nn.Module.__setattr__ puts Block()
# into self._modules, and attribute lookup finds the class attribute first (nn.Module.__getattr__ is only the
# fallback). The gate reads self.h from attribute stores (self_values) only, resolves it to Block, and lets
# `self.h(x)` pass as Block.forward; at run time self.h is the class-level nn.Linear (aten addmm).

class Block(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return launch_copy(x)


class ModelNew(nn.Module):
    h = nn.Linear(8, 8)

    def __init__(self):
        super().__init__()
        self.h = Block()

    def forward(self, x):
        y = self.h(x)  # compute: the class attribute, an nn.Linear
        return launch_copy(y)
