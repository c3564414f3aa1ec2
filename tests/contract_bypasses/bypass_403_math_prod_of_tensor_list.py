# Session 30 red team (9a, host type inference): passed the gate of 193c55d.
# TCONT-typed tensor: math.prod([t]) returns t, typed as the join of its argument [t] (TCONT).
# Fixed: a library call given anything that may hold a tensor gives a tensor (Kinds._library_call_kind).
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

import math


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.buf = math.prod([torch.zeros(1000), 1])

    def forward(self, x):
        out = copy(x)
        self.buf.data.copy_(out)
        return self.buf * 2  # compute
