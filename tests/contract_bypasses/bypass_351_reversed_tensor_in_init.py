# Session 29 red team: passed at fee6843.
# reversed(t) on a tensor runs Tensor.__reversed__ (torch.flip) and returns a tensor, but reversed is a
# CONTAINER_BUILTIN, typed a container (TCONT); a BinOp refuses only TENSOR operands ([x] * 2 repeats a list), so
# forward's self.buf * 2 multiplies the tensor.
# Fixed: reversed() of a tensor runs Tensor.__reversed__ (a flip): it now gives a tensor, not an iterator.
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
        self.buf = reversed(torch.zeros(1000))

    def forward(self, x):
        n = x.numel()
        _copy_kernel[(triton.cdiv(n, 256),)](x, self.buf, n, BLOCK=256)
        y = self.buf * 2  # compute
        out = torch.empty_like(x)
        _copy_kernel[(triton.cdiv(n, 256),)](y, out, n, BLOCK=256)
        return out
