# A class of this module with no __init__ of its own runs the one it inherits: `Sub(x)` calls Prep.__init__ with x.
# Inference._callees bound a class call's arguments only to the class's own __init__, so Prep.__init__'s w had no
# call site (UNKNOWN) and `w * 2.0` passed, while forward builds Sub from the input: aten mul on it. (Found while
# writing honest_26, whose Tuned(Prep) built in __init__ the gate refused: the inherited __init__ was no init root.)
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class Prep(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.r = w * 2.0  # compute


class Tuned(Prep):
    pass


class Sub(Prep):
    pass


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.t = Tuned(torch.ones(1))

    def forward(self, x):
        y = Sub(x).r
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out
