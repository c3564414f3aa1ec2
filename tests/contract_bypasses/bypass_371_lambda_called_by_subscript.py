# Session 29 third red team: passed at 522e2ce.
# Init code calls a lambda through a subscript, `f[0]()`: Calls._call lets a Subscript callee through outside host
# code (only host code requires `kernel[grid]`), and Kinds._call_kind types a call whose func is a Subscript UNKNOWN
# (its final `return UNKNOWN`, kinds.py:1086), though the lambda returns torch.zeros(1000); forward's
# `self.buf * 2` then multiplies an UNKNOWN-typed tensor.
# Fixed: A call of a callee the gate cannot see (a subscript, a parameter) is typed a tensor; host code never makes
# one.
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
        f = (lambda: torch.zeros(1000),)
        self.buf = f[0]()

    def forward(self, x):
        n = x.numel()
        _copy_kernel[(triton.cdiv(n, 256),)](x, self.buf, n, BLOCK=256)
        y = self.buf * 2  # compute
        return copy(y)
