# Session 30 red team (9a, host type inference): passed the gate of 193c55d.
# As 23 with a parameter default: `def __init__(self, pair=torch.zeros)`.
# Fixed: a bare-name call is typed by a def's returns only where every binding Python reads is a def or lambda
# (Kinds._named_def_call); a local or parameter under a method's name is a callable the gate cannot see: a tensor.
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


class Holder:
    def pair(self):
        return 0


class ModelNew(nn.Module):
    def __init__(self, pair=torch.zeros):
        super().__init__()
        self.buf = pair(1000)

    def forward(self, x):
        out = copy(x)
        self.buf.copy_(out)
        return self.buf * 2  # compute
