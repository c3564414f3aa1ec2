# Session 28 tenth red team: passed at 59e7b1d. An allowed builtin that keeps what it is given (KeyError(t).args,
# property(t).fget), called on a tensor in init code, was typed a Python value, so forward's self.buf * 2 read as
# arithmetic on numbers. Any builtin but len, int, str and the like now holds what it is given.
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
        e = KeyError(torch.zeros(200))
        self.buf = e.args[0]

    def forward(self, x):
        n = x.numel()
        _copy_kernel[(triton.cdiv(n, 256),)](x, self.buf, n, BLOCK=256)
        y = self.buf * 2  # compute
        return copy(y)
