# A class body's `cache = (alias := BOX)` makes both cache and alias class attributes, but
# Inference._class_attribute is called only for the assignment's targets: self.alias shares nothing with BOX
# (the walrus target is placed at module level, (None, "alias"), not ("self", "alias")). `self.alias[0] = x` marks
# self.alias only; BOX stays PY, and `BOX[0] * 2` runs aten mul on the input, float(...) reads a value.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)

BOX = [0.0]


class ModelNew(nn.Module):
    cache = (alias := BOX)

    def __init__(self):
        super().__init__()

    def forward(self, x):
        self.alias[0] = x
        s = BOX[0] * 2
        v = float(BOX[0].reshape(-1)[0])  # compute
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out
