# Session 30 red team (9a, host type inference): passed the gate of 193c55d.
# Places._tuple_call types `m.get_buffer('pair')` (nn.Module.get_buffer at runtime) by
# tuple_returns['get_buffer'] of a plain Helper class's def returning (0, 0): both unpacked rows are PY. The unpacking
# sits in a module function flowed after Helper.get_buffer (Inference._callers_first order).
# Fixed: `obj.m(...)` is unpacked by m's tuple returns only where the gate knows the def it runs (_called_def).
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


class Helper:
    def get_buffer(self, name):
        return (0, 0)


def zprep(m):
    a, b = m.get_buffer("pair")
    m.buf = a


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("pair", torch.zeros(2, 1000))
        self.get_buffer("pair")
        zprep(self)

    def forward(self, x):
        out = copy(x)
        self.buf.copy_(out)
        return self.buf * 2  # compute
