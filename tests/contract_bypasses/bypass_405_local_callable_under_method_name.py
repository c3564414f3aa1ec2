# Session 30 red team (9a, host type inference): passed the gate of 193c55d.
# Kinds._call_kind types a bare-name call `pair(...)` by returns['pair'] of a METHOD named pair
# (named_fns holds methods by bare name) although `pair` is a local bound to tuple; init code's callees are not
# checked.
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
        return (0, 0)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        pair = tuple
        a, b = pair(torch.zeros(2, 1000))
        self.buf = a

    def forward(self, x):
        out = copy(x)
        self.buf.copy_(out)
        return self.buf * 2  # compute
