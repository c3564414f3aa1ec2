# super() rule (operands._own_super / operands._attribute): `super().__init__` is exempt from the "an __init__ runs
# again" check (`node.attr == "__init__" and not (is_super or ...)`), on the idea that it is the parent's __init__
# called from the child's own __init__. But zero-argument super() works in *any* method. Prep is built only in
# ModelNew.__init__ (through Sub, which inherits Prep's __init__: region.class_init), so Prep.__init__ is init
# region (any PyTorch compute). Sub.run, a plain method called from forward, does `super().__init__(x)`: Prep.__init__
# runs again with forward's input, and region._init_roots never counts a super().__init__ call as a build elsewhere.
# `w * 2.0` then runs on x in forward (aten.mul); run returns the result, which the kernel copies out.
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
        self.res = w * 2.0  # compute (init region, reached again from forward)


class Sub(Prep):
    def run(self, x):
        super().__init__(x)  # compute: Prep.__init__ on the input
        return self.res


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.sub = Sub(torch.ones(8))

    def forward(self, x):
        r = self.sub.run(x)
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](r, out, x.numel(), BLOCK=256)
        return out

# EVIDENCE: torch.allclose(out, x * 2.0)
