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


# Same gap as attack_08 with a special name: `__call__ = nn.Linear(8, 8)` as a class constant of ModelNew (_class_bodies
# refuses only dunder *defs*; _library_overrides reads no Assign). model(x) runs the class attribute's Linear.

class ModelNew(nn.Module):
    __call__ = nn.Linear(8, 8)

    def __init__(self, n):
        super().__init__()

    def forward(self, x):
        return launch_copy(x)
