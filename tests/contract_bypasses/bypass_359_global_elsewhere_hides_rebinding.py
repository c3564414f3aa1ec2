# Session 29 red team: passed at fee6843.
# bypass 04 without a nonlocal: any `global f` anywhere in the module (here in a function never called)
# makes every scope's bindings of f unknown ([None]), which _enclosing_bindings reads as "no enclosing binding", so
# forward's `f = g; f(x)` passes as a call of the nested def f, and g's parameter stays UNKNOWN: `v * 2` passes.
# Fixed: As 358: the `global f` of another function no longer hides forward's `f = g`.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


def copy(x):
    y = torch.empty_like(x)
    _copy_kernel[(triton.cdiv(x.numel(), 256),)](x, y, x.numel(), BLOCK=256)
    return y


def _unused():
    global f


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        def f(v):
            return v

        def g(v):
            return v * 2  # compute

        f = g
        return copy(f(x))
