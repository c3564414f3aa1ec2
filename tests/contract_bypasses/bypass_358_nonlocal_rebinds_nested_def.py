# Session 29 red team: passed at fee6843.
# `nonlocal f` in a nested def makes Places._bindings(forward, "f") unknown ([None]); _enclosing_bindings
# reads [None] as "not bound in this scope" and returns None, so _shadowed takes f for the nested def the gate sees
# and
# _callees notes x into that def's parameter, while Python calls g (rebound by swap): g's v has no call site
# (UNKNOWN), so `v * 2` passes.
# Fixed: A name any function declares global or nonlocal has unknown bindings in every scope (_enclosing_bindings):
# its call is refused.
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


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        def f(v):
            return copy(v)

        def g(v):
            return v * 2  # compute

        def swap():
            nonlocal f
            f = g

        swap()
        return copy(f(x))
