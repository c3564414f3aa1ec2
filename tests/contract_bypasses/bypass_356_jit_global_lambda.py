# Session 29 red team: passed at fee6843.
# a lambda written in a @triton.jit body is judged as device code (operators allowed), but `global g`
# makes it escape: once the kernel ran (TRITON_INTERPRET=1 runs its body as Python), host code calls g(x), a name the
# gate takes for a function it sees, and the lambda computes x * 2 with PyTorch.
# Fixed: A @triton.jit body holds no global/nonlocal, lambda, nested def or class, nor item or attribute stores.
import torch
import torch.nn as nn
import triton
import triton.language as tl


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    global g
    g = lambda v: v * 2  # compute
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
        copy(x)
        return copy(g(x))
