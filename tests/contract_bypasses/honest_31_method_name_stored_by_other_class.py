# Session 25: a red team found the first version of a rule below refused this honest pattern; it passes since the fix.
# Honest: a helper module with a method `scale` (it launches the kernel), and ModelNew keeping its own Python scale
# factor in `self.scale` (KernelBench's `scale_factor` problems). calls._method_call's rule 8 ("a method of self is
# never also stored on self") compares the method with self_set, the attribute names stored on self by *any* class of
# the module, so Ops.forward's `self.scale(x)` is refused because ModelNew stores a float under that name (passed at
# 6a8f17b).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class Ops(nn.Module):
    def scale(self, x):
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](x, out, x.numel(), BLOCK=256)
        return out

    def forward(self, x):
        return self.scale(x)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.ops = Ops()
        self.scale = 2.0

    def forward(self, x):
        return self.ops.forward(x)
