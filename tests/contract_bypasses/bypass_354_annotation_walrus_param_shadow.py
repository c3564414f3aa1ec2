# Session 29 red team: passed at fee6843.
# A parameter's annotation runs in the enclosing scope (forward), but Regions.scope_of puts every node under an
# ast.arg in the nested function's scope: in `def g(x: (y := x * 2))` the gate reads x as g's own parameter (never
# called: UNKNOWN), so x * 2 is no tensor operand, while Python evaluates it with forward's x at the def.
# Fixed: A parameter's annotation is read in the enclosing scope (Regions.scope_of), as Python evaluates it.
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
        x = copy(x)

        def g(x: (y := x * 2)):  # compute
            pass

        return copy(y)
