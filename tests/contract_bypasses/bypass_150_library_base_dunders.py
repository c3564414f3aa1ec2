# Special methods are refused only where the module *defines* them (definitions._class_bodies: `def __add__` in a
# class body), and a base class is judged only when it is a torch path (_implicit_calls: CLASS_BASES). A class of this
# module may subclass Triton's tl.constexpr, which defines __mul__, __add__, __getitem__, __index__, __bool__,
# __call__ ... on its `.value`. Box(x) is a call of this module's own class, so its argument is never judged as a
# library argument (tl.constexpr(x) would be: _size_parts), and `b * 2.0` / b[0][0] are operators on an instance of
# an own class, not on a tensor. At runtime constexpr.__mul__ computes x * 2.0 (aten.mul) and float(b[0][0]) reads a
# value (_local_scalar_dense). The same holds for a subclass of float/int/str (Num(t) reads t) or of triton.Config
# (Cfg({...}, pre_hook=f) escapes calls._autotune, which looks only at the path triton.Config).
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def copy_kernel(src_ptr, dst_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(dst_ptr + offs, tl.load(src_ptr + offs, mask=mask), mask=mask)


class Box(tl.constexpr):
    pass


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        b = Box(x)
        y = (b * 2.0).value  # compute
        s = float(b[0][0])
        out = torch.empty_like(x)
        copy_kernel[(triton.cdiv(x.numel(), 256),)](y, out, x.numel(), BLOCK=256)
        return out
