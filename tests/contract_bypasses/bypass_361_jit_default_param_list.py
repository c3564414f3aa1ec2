# Session 29 second red team: passed at 6811eae.
# a @triton.jit parameter's default (`box=BOX`, a module-level list) reaches the
# kernel without passing through the launch, so Calls._launch_objects never sees it; the interpreter fills the
# default in (inspect.getcallargs) and _implicit_cvt returns the list unconverted. The body only reads its own
# parameter: box.append(box.pop().mul(2)).
# Fixed: A jit parameter's default is a constant; the body's list methods are refused too.
import torch
import torch.nn as nn
import triton
import triton.language as tl

BOX = []


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < n
    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=m), mask=m)


@triton.jit
def _box_kernel(n, box=BOX):
    box.append(box.pop().mul(2))  # compute


def copy(x):
    y = torch.empty_like(x)
    _copy_kernel[(triton.cdiv(x.numel(), 256),)](x, y, x.numel(), BLOCK=256)
    return y


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        BOX.append(x)
        _box_kernel[(1,)](1)
        return copy(BOX.pop())
